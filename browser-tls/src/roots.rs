//! The certificate authorities a connection trusts.
//!
//! The rendezvous (broker over a domain front, AMP cache) talks to public
//! web servers, so the default is Mozilla's root program, taken from the
//! `webpki-root-certs` crate (the same list rustls-based code in this
//! workspace uses through `webpki-roots`) and loaded into a BoringSSL
//! `X509Store` once per [`crate::TlsConnector`]. Tests, and deployments
//! that front through a private CA, add their own PEM certificates.

use std::path::Path;

use boring::x509::store::{X509Store, X509StoreBuilder};
use boring::x509::X509;

use crate::Error;

/// A set of trusted root certificates.
pub struct Roots {
    pub(crate) store: X509Store,
    count: usize,
}

impl std::fmt::Debug for Roots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roots").field("count", &self.count).finish()
    }
}

impl Roots {
    /// Mozilla's trusted roots for TLS server authentication.
    pub fn mozilla() -> Result<Roots, Error> {
        let mut builder = RootsBuilder::new()?;
        builder.add_mozilla()?;
        Ok(builder.build())
    }

    /// Only the CA certificates in `pem` (one or more `CERTIFICATE`
    /// blocks), e.g. a test CA.
    pub fn from_pem(pem: &[u8]) -> Result<Roots, Error> {
        let mut builder = RootsBuilder::new()?;
        builder.add_pem(pem)?;
        Ok(builder.build())
    }

    /// Mozilla's roots plus the CA certificates in `pem`.
    pub fn mozilla_and_pem(pem: &[u8]) -> Result<Roots, Error> {
        let mut builder = RootsBuilder::new()?;
        builder.add_mozilla()?;
        builder.add_pem(pem)?;
        Ok(builder.build())
    }

    /// Only the CA certificates in the PEM file at `path`.
    pub fn from_pem_file(path: &Path) -> Result<Roots, Error> {
        let pem = std::fs::read(path).map_err(|source| Error::RootsFile {
            path: path.display().to_string(),
            source,
        })?;
        Roots::from_pem(&pem)
    }

    /// How many certificates the set holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the set is empty (never true for a set built here).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

struct RootsBuilder {
    store: X509StoreBuilder,
    count: usize,
}

impl RootsBuilder {
    fn new() -> Result<Self, Error> {
        Ok(RootsBuilder {
            store: X509StoreBuilder::new()
                .map_err(|e| Error::boring("creating the root store", e))?,
            count: 0,
        })
    }

    fn add_mozilla(&mut self) -> Result<(), Error> {
        let mut skipped = 0usize;
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            // A root BoringSSL cannot parse is left out rather than failing
            // the whole store: one odd certificate in a list of ~150 must not
            // take every connection down.
            match X509::from_der(der.as_ref()) {
                Ok(cert) => {
                    self.store
                        .add_cert(&cert)
                        .map_err(|e| Error::boring("adding a Mozilla root", e))?;
                    self.count += 1;
                }
                Err(e) => {
                    skipped += 1;
                    tracing::warn!(error = %e, "skipping a Mozilla root certificate BoringSSL cannot parse");
                }
            }
        }
        if self.count == 0 {
            return Err(Error::NoRoots {
                source_name: "webpki-root-certs",
            });
        }
        tracing::debug!(loaded = self.count, skipped, "loaded Mozilla roots");
        Ok(())
    }

    fn add_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        let certs = X509::stack_from_pem(pem).map_err(|e| Error::boring("parsing PEM roots", e))?;
        if certs.is_empty() {
            return Err(Error::NoRoots {
                source_name: "the PEM input",
            });
        }
        for cert in &certs {
            self.store
                .add_cert(cert)
                .map_err(|e| Error::boring("adding a PEM root", e))?;
            self.count += 1;
        }
        Ok(())
    }

    fn build(self) -> Roots {
        Roots {
            store: self.store.build(),
            count: self.count,
        }
    }
}
