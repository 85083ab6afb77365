"""Documents that prove themselves: Certif'Pro's PDFs sealed with PAdES signatures (pyHanko), the keys
they and the credentials are signed with, and the verdict on a PDF anyone hands us (docs/certificates.md)."""
