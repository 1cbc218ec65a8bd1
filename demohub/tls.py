"""HTTPS for the demo hub: a self-signed certificate made on first start, kept in the state folder.

`ensure_certificate(folder, host)` returns `tls/cert.pem` and `tls/key.pem` under `folder`,
making them when they are missing (a P-256 key, valid two years, for localhost, 127.0.0.1, ::1
and the listen address when it is an IP). A pair that cannot be read, or whose key does not
match its certificate, is moved aside (`*.damaged-<time>`) and made afresh, and the log says so.
The key file is written with mode 0600. An operator compares `certificate_fingerprint` (printed
at start) with what the console shows before trusting the certificate.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import logging
import os
import ssl
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CERT_FILE",
    "KEY_FILE",
    "TLS_FOLDER",
    "certificate_fingerprint",
    "ensure_certificate",
    "server_context",
]

log = logging.getLogger(__name__)

TLS_FOLDER = "tls"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
VALID_DAYS = 730


def certificate_fingerprint(pem: str | bytes) -> str:
    """The SHA-256 of the certificate's DER encoding, upper-case hex, colon separated."""
    text = pem.decode("ascii") if isinstance(pem, bytes) else pem
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(text.strip() + "\n")).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)).upper()


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host and host not in ("localhost", "0.0.0.0", "::"):
            names.append(x509.DNSName(host))
    else:
        if not address.is_unspecified and x509.IPAddress(address) not in names:
            names.append(x509.IPAddress(address))
    return names


def _make(cert_path: Path, key_path: Path, host: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera demo hub")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        # What strict verifiers (Python 3.13's default context) ask of a self-signed anchor.
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = key_path.with_name(key_path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log.info("demo hub: made a self-signed TLS certificate in %s", cert_path.parent)


def _check(cert_path: Path, key_path: Path) -> str | None:
    """Why the pair cannot be used (None: it can)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        return f"it cannot be read ({exc})"
    if cert.public_key() != key.public_key():
        return "the key does not belong to the certificate"
    if cert.not_valid_after_utc <= datetime.datetime.now(datetime.timezone.utc):
        return "the certificate has expired"
    return None


def ensure_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """`folder/tls/cert.pem` and `folder/tls/key.pem`, made now if missing or unusable."""
    tls = folder / TLS_FOLDER
    cert_path, key_path = tls / CERT_FILE, tls / KEY_FILE
    if cert_path.exists() or key_path.exists():
        problem = _check(cert_path, key_path)
        if problem is None:
            return cert_path, key_path
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for path in (cert_path, key_path):
            if path.exists():
                path.replace(path.with_name(f"{path.name}.damaged-{stamp}"))
        log.warning(
            "demo hub: the TLS certificate in %s was set aside (%s); a new one is made",
            tls,
            problem,
        )
    _make(cert_path, key_path, host)
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
