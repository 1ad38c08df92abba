#!/usr/bin/env python3
"""generate.py: (re)make the CA files on which mtlscert's CA-list reader once disagreed
with OpenSSL, each with NAME.expected holding OpenSSL's own verdict:
  loads N        X509_STORE_load_file succeeded (1) or not (0)
  names N        names SSL_load_client_CA_file returns
  list_bytes N   2 + sum(2 + DER length) over those names
The verdict is asked of libssl itself through ctypes, independently of mtlscert.
ca_file_test.cc checks read_ca_file against both the figures and OpenSSL.
Run from anywhere: python3 tests/data/ca_file/generate.py (needs the openssl CLI)."""
import base64
import ctypes
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ssl = ctypes.CDLL("libssl.so.3")
crypto = ctypes.CDLL("libcrypto.so.3")
ssl.SSL_load_client_CA_file.restype = ctypes.c_void_p
ssl.SSL_load_client_CA_file.argtypes = [ctypes.c_char_p]
crypto.OPENSSL_sk_num.argtypes = [ctypes.c_void_p]
crypto.OPENSSL_sk_value.restype = ctypes.c_void_p
crypto.OPENSSL_sk_value.argtypes = [ctypes.c_void_p, ctypes.c_int]
crypto.i2d_X509_NAME.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
crypto.X509_STORE_new.restype = ctypes.c_void_p
crypto.X509_STORE_load_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
crypto.X509_STORE_free.argtypes = [ctypes.c_void_p]


def openssl_verdict(path):
    names = ssl.SSL_load_client_CA_file(path.encode())
    count, total = 0, 2
    if names:
        count = crypto.OPENSSL_sk_num(names)
        for i in range(count):
            total += 2 + crypto.i2d_X509_NAME(crypto.OPENSSL_sk_value(names, i), None)
    store = crypto.X509_STORE_new()
    loads = 1 if crypto.X509_STORE_load_file(store, path.encode()) == 1 else 0
    crypto.X509_STORE_free(store)
    return loads, count, total


def run(*args, cwd):
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True).stdout


def cert(tmp, name, subj, extra=(), config=None):
    key = os.path.join(tmp, name + ".key")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key, cwd=tmp)
    args = ["req", "-x509", "-new", "-key", key, "-subj", subj, "-days", "36500", "-out", name + ".pem"]
    if config:
        args += ["-config", config]
    run(*args, *extra, cwd=tmp)
    with open(os.path.join(tmp, name + ".pem")) as f:
        return f.read()


def der_of(pem):
    body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return base64.b64decode(body)


def pem_of(der, label="CERTIFICATE"):
    b = base64.b64encode(der).decode()
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (
        label, "\n".join(b[i:i + 64] for i in range(0, len(b), 64)), label)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        a = cert(tmp, "a", "/O=Example/CN=Alpha Root CA")
        b = cert(tmp, "b", "/O=Example/CN=Beta Root CA")
        leaf = cert(tmp, "leaf", "/CN=smtp.example.org", ["-addext", "basicConstraints=critical,CA:FALSE"])
        upper = cert(tmp, "upper", "/CN=EXAMPLE ROOT CA")
        lower = cert(tmp, "lower", "/CN=example root ca")
        cnf = os.path.join(tmp, "printable.cnf")
        with open(cnf, "w") as f:
            f.write("[req]\ndistinguished_name=dn\nstring_mask=nombstr\n[dn]\n")
        printable = cert(tmp, "printable", "/CN=Example Root CA", config=cnf)
        utf8 = cert(tmp, "utf8", "/CN=Example Root CA")
        negative = cert(tmp, "negative", "/CN=Negative Serial CA", ["-set_serial", "-5"])
        with open(os.path.join(tmp, "ab.pem"), "w") as f:
            f.write(a + b)
        p7 = run("crl2pkcs7", "-nocrl", "-certfile", "ab.pem", cwd=tmp).decode()
        csr = run("req", "-new", "-key", "a.key", "-subj", "/CN=csr", cwd=tmp).decode()

        lines = a.splitlines(keepends=True)
        der_a = der_of(a)
        # BER: the outer SEQUENCE with an indefinite length (30 80 ... 00 00).
        hdr = 2 + (der_a[1] & 0x7F) if der_a[1] & 0x80 else 2
        ber = b"\x30\x80" + der_a[hdr:] + b"\x00\x00"
        cases = {
            "blank-line-in-base64.pem": "".join(lines[:4]) + "\n" + "".join(lines[4:]) + b,
            "no-padding.pem": (a + b).replace("=\n", "\n").replace("=\n", "\n"),
            "comment-header.pem": lines[0] + "Comment: exported by a vendor\n" + "".join(lines[1:]) + b,
            "comment-header-blank.pem": lines[0] + "Comment: exported by a vendor\n\n" + "".join(lines[1:]) + b,
            "indented-begin.pem": " " + a + b,
            "negative-serial.pem": negative + b,
            "pkcs7-only.pem": p7,
            "no-ca.pem": leaf,
            "hash-begin-comment.pem": "#" + a + b,
            "trailing-der-bytes.pem": pem_of(der_a + b"\x00\x01junk") + b,
            "garbage-csr-between.pem": a + csr.replace("\n", "\n", 1)[:60] + "\n-----END CERTIFICATE REQUEST-----\n" + b,
            "csr-between.pem": a + csr + b,
            "missing-end.pem": "".join(lines[:-1]) + b,
            "missing-end-last.pem": b + "".join(lines[:-1]),
            "ber-indefinite.pem": pem_of(ber) + b,
            "nul-in-line.pem": "".join(lines[:3]) + lines[3][:10] + "\0" + lines[3][10:] + "".join(lines[4:]) + b,
            "nul-in-comment.pem": "# a\0b -----BEGIN CERTIFICATE-----\n" + a + b,
            "text-before-begin.pem": "subject=Alpha " + a + b,
            "bom.pem": "\ufeff" + a + b,
            "bom-after-blank-line.pem": "\n\ufeff" + a + b,
            "case-differs.pem": upper + lower,
            "string-type-differs.pem": printable + utf8,
            "trusted-certificate.pem": a.replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----"),
            "crlf.pem": (a + b).replace("\n", "\r\n"),
            "x509-certificate-label.pem": a.replace(" CERTIFICATE-----", " X509 CERTIFICATE-----") + b,
        }
        binary = {"concatenated.der": der_a + der_of(b), "single.der": der_a}
        for name, text in list(cases.items()) + list(binary.items()):
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            path = os.path.join(HERE, name)
            with open(path, "wb") as f:
                f.write(data)
            loads, count, total = openssl_verdict(path)
            with open(path + ".expected", "w") as f:
                f.write("loads %d\nnames %d\nlist_bytes %d\n" % (loads, count, total))
            print("%-28s loads %d names %d list_bytes %d" % (name, loads, count, total))


if __name__ == "__main__":
    main()
