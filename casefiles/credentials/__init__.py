"""The machine-verifiable proofs of a certificate (docs/certificates.md): the issuer's keys and DID document,
the Open Badges 3.0 credential (VC-JWT), the revocation status lists, and their verification."""
