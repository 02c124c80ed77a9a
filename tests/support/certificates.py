"""A root certificate authority and a worker certificate it signs, for TLS tests.

Vast's real root also trips OpenSSL's strict mode (a path length without keyCertSign); this one
does not reproduce that quirk, only the trust path: a root fetched from the console, DER-encoded.
"""

import datetime
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def authority_and_worker(directory: Path) -> tuple[bytes, ssl.SSLContext]:
    """The root certificate (DER, as Vast serves it) and a server context for 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(name("test vast root"))
        .issuer_name(name("test vast root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    worker_key = ec.generate_private_key(ec.SECP256R1())
    worker = (
        x509.CertificateBuilder()
        .subject_name(name("pyworker.vast.ai"))
        .issuer_name(root.subject)
        .public_key(worker_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(root_key, hashes.SHA256())
    )
    certificate, key = directory / "worker.crt", directory / "worker.key"
    certificate.write_bytes(worker.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        worker_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return root.public_bytes(serialization.Encoding.DER), context
