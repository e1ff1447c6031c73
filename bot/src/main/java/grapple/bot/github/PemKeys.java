package grapple.bot.github;

import grapple.state.CheckedMessageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Reads the RSA private key of a GitHub App from its PEM file: PKCS#1 ({@code BEGIN RSA PRIVATE
 * KEY}, what GitHub hands out) or PKCS#8 ({@code BEGIN PRIVATE KEY}, after {@code openssl pkcs8}).
 */
final class PemKeys {
  private static final String PKCS1 = "RSA PRIVATE KEY";
  private static final String PKCS8 = "PRIVATE KEY";

  /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /** The file could not be read or parsed; the message names the file and says which. */
  static final class BadKey extends CheckedMessageException {
    private static final long serialVersionUID = 1L;

    BadKey(String message) {
      super(message);
    }
  }

  private PemKeys() {}

  static RSAPrivateKey readRsaPrivateKey(Path file) throws BadKey {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new BadKey("cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new BadKey("cannot read " + file + ": permission denied");
    } catch (FileSystemException e) {
      // The reason ("Is a directory"), not the Java class and the path again.
      throw new BadKey("cannot read " + file + ": " + e.getReason());
    } catch (IOException e) {
      throw new BadKey("cannot read " + file + ": " + e.getMessage());
    }
    try {
      if (pem.contains("BEGIN " + PKCS1)) return rsa(pkcs1ToPkcs8(body(pem, PKCS1)));
      if (pem.contains("BEGIN " + PKCS8)) return rsa(body(pem, PKCS8));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new BadKey(file + " is not a readable RSA private key: " + e.getMessage());
    }
    throw new BadKey(file + " holds no PEM private key (expected -----BEGIN RSA PRIVATE KEY-----)");
  }

  private static byte[] body(String pem, String label) {
    int start = pem.indexOf("-----BEGIN " + label + "-----") + label.length() + 16;
    int end = pem.indexOf("-----END " + label + "-----");
    if (end < start) throw new IllegalArgumentException("no END line");
    return Base64.getMimeDecoder().decode(pem.substring(start, end));
  }

  private static RSAPrivateKey rsa(byte[] pkcs8) throws GeneralSecurityException {
    return (RSAPrivateKey)
        KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
  }

  /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING pkcs1 }. */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    inner.writeBytes(new byte[] {0x02, 0x01, 0x00});
    inner.writeBytes(RSA_ALGORITHM);
    inner.writeBytes(der(0x04, pkcs1));
    return der(0x30, inner.toByteArray());
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xff);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write((n >> 8) & 0xff);
      out.write(n & 0xff);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
