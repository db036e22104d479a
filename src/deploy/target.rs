//! Opening a deploy target: the object store client for its URL, with credentials
//! from the environment only, and the one-line errors a user can act on.
//!
//! Credentials are checked before any request: without them the cloud clients would
//! ask the machine's metadata service, which hangs or answers for another account
//! anywhere but inside that cloud. Requests are retried a few times, briefly, so a
//! wrong endpoint fails in seconds rather than minutes.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use crate::error::Error;

use super::local::Headers;
use crate::config::deploy::{Store, Target};

/// An opened target.
pub struct Opened {
    /// The client.
    pub store: Arc<dyn ObjectStore>,
    /// Whether it stores headers (object storage) or only bytes (a folder).
    pub headers: Headers,
    /// Whether aliases become S3 website redirects.
    pub s3: bool,
}

/// Opens `target`, checking first that the environment has credentials for it.
pub fn open(target: &Target) -> Result<Opened, Error> {
    // TLS uses ring (see Cargo.toml); an error only means it is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store: Arc<dyn ObjectStore> = match &target.url.store {
        Store::File { path } => {
            std::fs::create_dir_all(path).map_err(|e| Error::io(path, &e))?;
            let fs = LocalFileSystem::new_with_prefix(path)
                .map_err(|e| describe(target, &e))?
                .with_automatic_cleanup(true);
            return Ok(Opened {
                store: Arc::new(fs),
                headers: Headers::None,
                s3: false,
            });
        }
        Store::S3 { .. } => Arc::new(s3(target, None)?),
        Store::Gcs { bucket } => {
            require(
                target,
                &[
                    &["GOOGLE_SERVICE_ACCOUNT"],
                    &["GOOGLE_SERVICE_ACCOUNT_PATH"],
                    &["GOOGLE_SERVICE_ACCOUNT_KEY"],
                    &["GOOGLE_APPLICATION_CREDENTIALS"],
                ],
                "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file",
            )?;
            let store = GoogleCloudStorageBuilder::from_env()
                .with_bucket_name(bucket)
                .with_client_options(client_options())
                .with_retry(retry())
                .build()
                .map_err(|e| describe(target, &e))?;
            Arc::new(store)
        }
        Store::Azure { container } => {
            require(
                target,
                &[&["AZURE_STORAGE_ACCOUNT_NAME"]],
                "set AZURE_STORAGE_ACCOUNT_NAME to the storage account",
            )?;
            require(
                target,
                &[
                    &["AZURE_STORAGE_ACCOUNT_KEY"],
                    &["AZURE_STORAGE_ACCESS_KEY"],
                    &["AZURE_STORAGE_SAS_TOKEN"],
                    &["AZURE_STORAGE_SAS_KEY"],
                    &["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"],
                    &["AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID"],
                ],
                "set AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, or AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID",
            )?;
            let store = MicrosoftAzureBuilder::from_env()
                .with_container_name(container)
                .with_client_options(client_options())
                .with_retry(retry())
                .build()
                .map_err(|e| describe(target, &e))?;
            Arc::new(store)
        }
    };
    Ok(Opened {
        s3: matches!(target.url.store, Store::S3 { .. }),
        store,
        headers: Headers::Stored,
    })
}

/// The S3 client for `target`; with `redirect`, every object it writes carries that
/// `x-amz-website-redirect-location` (a header object_store has no attribute for, so
/// it is a default header, which the client signs like its own).
pub fn s3(target: &Target, redirect: Option<&str>) -> Result<object_store::aws::AmazonS3, Error> {
    let Store::S3 {
        bucket,
        region,
        endpoint,
    } = &target.url.store
    else {
        return Err(Error::new(format!(
            "deploy target `{}` is not on S3",
            target.name
        )));
    };
    require(
        target,
        &[
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            &["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"],
            &["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"],
            &["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        ],
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or run where AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set, as in GitHub Actions with OIDC)",
    )?;
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(region) = region {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let endpoint = endpoint
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT").ok());
    let mut options = client_options();
    if endpoint
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"))
    {
        options = options.with_allow_http(true);
    }
    if let Some(location) = redirect {
        let mut headers = http::HeaderMap::new();
        let value = http::HeaderValue::from_str(location).map_err(|_| {
            Error::new(format!(
                "the redirect to `{location}` cannot be an S3 header"
            ))
        })?;
        headers.insert("x-amz-website-redirect-location", value);
        options = options.with_default_headers(headers);
    }
    builder
        .with_client_options(options)
        .with_retry(retry())
        .build()
        .map_err(|e| describe(target, &e))
}

fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(120))
}

fn retry() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
        ..RetryConfig::default()
    }
}

/// Fails unless one of the sets of variables in `any` is all set (and not empty).
fn require(target: &Target, any: &[&[&str]], what_to_do: &str) -> Result<(), Error> {
    let set = |k: &&str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if any.iter().any(|all| all.iter().all(set)) {
        return Ok(());
    }
    Err(Error::new(format!(
        "deploy target `{}` ({}): no credentials in the environment; {what_to_do}",
        target.name, target.url.shown
    )))
}

/// A store error as one line naming the target and what to do. Never prints
/// credentials: object_store's messages carry URLs and status codes, not secrets.
pub fn describe(target: &Target, e: &object_store::Error) -> Error {
    use object_store::Error as E;
    let name = format!("deploy target `{}` ({})", target.name, target.url.shown);
    let text = one_line(&e.to_string());
    let bucket = match &target.url.store {
        Store::S3 { bucket, .. } | Store::Gcs { bucket } => format!("the bucket `{bucket}`"),
        Store::Azure { container } => format!("the container `{container}`"),
        Store::File { path } => path.display().to_string(),
    };
    let refused = text.contains("InvalidAccessKeyId")
        || text.contains("SignatureDoesNotMatch")
        || text.contains("InvalidClientTokenId")
        || text.contains("AuthenticationFailed")
        || text.contains("ExpiredToken")
        || matches!(e, E::Unauthenticated { .. });
    let denied = matches!(e, E::PermissionDenied { .. })
        || text.contains("AccessDenied")
        || text.contains("AuthorizationPermissionMismatch")
        || text.contains("403 Forbidden");
    let message = if refused {
        format!("{name}: the credentials were refused; check the access key and secret (or token) in the environment")
    } else if denied {
        format!("{name}: access denied; the credentials need permission to list, read, write and delete objects in {bucket}")
    } else if text.contains("NoSuchBucket")
        || text.contains("ContainerNotFound")
        || text.contains("bucket does not exist")
    {
        format!("{name}: {bucket} does not exist; create it, or check its name and the region or endpoint")
    } else if text.contains("error sending request")
        || text.contains("onnect")
        || text.contains("dns error")
    {
        format!("{name}: cannot reach the storage service; check the endpoint, the region and the network ({text})")
    } else {
        format!("{name}: {text}")
    };
    Error::new(message)
}

/// An error message on one line, cut where it would run on.
fn one_line(s: &str) -> String {
    let line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}
