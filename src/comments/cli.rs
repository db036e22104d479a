//! `piazza comments ...`: the arguments of the comment commands and what they print.

use std::path::PathBuf;

use clap::Subcommand;

use super::endpoint::{self, EndpointOptions, Limits};
use crate::error::Errors;

/// Arguments of `piazza comments`.
#[derive(Debug, clap::Args)]
pub struct CommentsArgs {
    /// The site folder.
    #[arg(long, default_value = ".", global = true)]
    site: PathBuf,
    #[command(subcommand)]
    command: CommentsCommand,
}

#[derive(Debug, Subcommand)]
enum CommentsCommand {
    /// Receive the comment form's posts into comments-pending/ (put it behind a reverse proxy).
    Serve {
        /// Address to listen on; the default keeps it on this machine.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port.
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Comments one client address may send a minute (0: no limit).
        #[arg(long, default_value_t = 5)]
        per_minute: u32,
        /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
        #[arg(long)]
        trust_proxy: bool,
    },
    /// List the comments awaiting moderation.
    List,
    /// Publish a waiting comment (without its email) into comments/.
    Approve {
        /// The comment's id, as `list` shows it.
        id: String,
    },
    /// Delete a waiting comment.
    Reject {
        /// The comment's id, as `list` shows it.
        id: String,
    },
    /// Delete everything sent with this email address, waiting and published.
    Erase {
        /// The email address.
        email: String,
    },
    /// Queue the submissions of a Netlify Forms or Formspree export (JSON or CSV).
    Import {
        /// The exported file.
        file: PathBuf,
    },
}

/// Runs one comment command.
pub fn run(args: CommentsArgs) -> Result<(), Errors> {
    let site = &args.site;
    match args.command {
        CommentsCommand::Serve {
            bind,
            port,
            per_minute,
            trust_proxy,
        } => {
            crate::shutdown::install("stopped.", 0);
            let server = endpoint::start(EndpointOptions {
                site: site.clone(),
                bind,
                port,
                limits: Limits { per_minute },
                trust_proxy,
            })?;
            println!(
                "receiving comments for {} at http://{}/ (Ctrl-C to stop)",
                site.display(),
                server.addr
            );
            loop {
                std::thread::park();
            }
        }
        CommentsCommand::List => print!("{}", super::moderate::list(site)?),
        CommentsCommand::Approve { id } => {
            let file = super::moderate::approve(site, &id)?;
            println!("approved {id}: {file}; rebuild the site to publish it");
        }
        CommentsCommand::Reject { id } => {
            super::moderate::reject(site, &id)?;
            println!("rejected {id}");
        }
        CommentsCommand::Erase { email } => {
            let erased = super::moderate::erase(site, &email)?;
            println!(
                "erased {} waiting and {} published comments; rebuild the site to remove them from it",
                erased.pending,
                erased.published.len()
            );
            for f in &erased.published {
                println!("  {f}");
            }
        }
        CommentsCommand::Import { file } => {
            let done = super::import::import(site, &file)?;
            println!(
                "queued {} comments ({} skipped: spam or already waiting); `piazza comments list` shows them",
                done.queued, done.skipped
            );
        }
    }
    Ok(())
}
