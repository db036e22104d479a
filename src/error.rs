//! Errors that point at the user's files.
//!
//! Every problem piazza reports names the file, and where it can the line and column, and
//! says what to do about it. A build collects all the problems it finds before giving up,
//! so one run shows every broken file, not only the first.

use std::fmt;
use std::path::{Path, PathBuf};

mod yaml;

/// One problem in the user's site, with its location and a hint on how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the problem is in, as the user would type it (relative to the site).
    pub file: Option<PathBuf>,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// 1-based column in `file`, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// A problem with no file attached (bad usage, I/O on the output folder).
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    /// A problem in `file`.
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.into()),
            ..Error::new(message)
        }
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Sets the 1-based line only.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds a hint that tells the user what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        Error::in_file(path, format!("cannot access this file: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// All the problems found in one run, in a stable order (by file, then line).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// Sorts the problems so the report reads file by file, top to bottom.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
        self.0.dedup();
        self
    }

    /// Whether nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one problem.
    pub fn push(&mut self, e: Error) {
        self.0.push(e)
    }

    /// Turns the collection into `Err` when it holds anything.
    pub fn into_result(self) -> Result<(), Errors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.sorted())
        }
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Turns a YAML error in `source` into an [`Error`] in `file`, in a writer's words and
/// at the line of the mistake, shifting lines by `line_offset` (the number of lines
/// before the YAML starts: 1 for front matter after `---`).
pub fn yaml_error(file: &Path, source: &str, err: &serde_yaml::Error, line_offset: usize) -> Error {
    let (line, column) = err
        .location()
        .map_or((1, None), |loc| (loc.line(), Some(loc.column())));
    let e = yaml::explain(&yaml_message(err), source, line, column).shifted(line_offset);
    let located = Error::in_file(file, e.message).hint(e.hint);
    match e.column {
        Some(column) => located.at(e.line, column),
        None => located.at_line(e.line),
    }
}

/// serde_yaml appends " at line X column Y" to its messages; the location is reported
/// separately, so strip it.
fn yaml_message(err: &serde_yaml::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
