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
    String pem = text(file);
    if (pem.contains("BEGIN ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new BadKey(
          file
              + " is encrypted with a passphrase, which the bot cannot type: decrypt it once"
              + " (openssl pkey -in "
              + file
              + " -out plain.pem) and set github.app.privateKeyFile to the decrypted file");
    }
    if (pem.contains("-----BEGIN " + PKCS1 + "-----")) return rsa(file, pkcs1(file, pem));
    if (pem.contains("-----BEGIN " + PKCS8 + "-----")) return rsa(file, body(file, pem, PKCS8));
    if (pem.contains("BEGIN OPENSSH PRIVATE KEY")) {
      throw new BadKey(
          file
              + " is an OpenSSH key, not the GitHub App's: use the .pem file from the App's"
              + " settings page (Private keys, Generate a private key)");
    }
    if (pem.contains(" PRIVATE KEY-----")) {
      throw new BadKey(file + " holds a private key that is not RSA; a GitHub App's key is RSA");
    }
    throw new BadKey(file + " holds no PEM private key (expected -----BEGIN RSA PRIVATE KEY-----)");
  }

  /**
   * The file's text. A byte-order mark (Windows editors write one) is not part of it, nor are line
   * ends; any other byte that is not ASCII only matters if it sits inside the key.
   */
  private static String text(Path file) throws BadKey {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
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
    if (startsWith(bytes, 0xfe, 0xff) || startsWith(bytes, 0xff, 0xfe)) {
      return new String(bytes, StandardCharsets.UTF_16);
    }
    int skip = startsWith(bytes, 0xef, 0xbb, 0xbf) ? 3 : 0;
    return new String(bytes, skip, bytes.length - skip, StandardCharsets.ISO_8859_1);
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xff) != prefix[i]) return false;
    }
    return true;
  }

  private static byte[] pkcs1(Path file, String pem) throws BadKey {
    return pkcs1ToPkcs8(body(file, pem, PKCS1));
  }

  private static byte[] body(Path file, String pem, String label) throws BadKey {
    String begin = "-----BEGIN " + label + "-----";
    String endLine = "-----END " + label + "-----";
    int start = pem.indexOf(begin) + begin.length();
    int end = pem.indexOf(endLine, start);
    if (end < 0) throw new BadKey(file + " has no " + endLine + " line: the key is cut short");
    String base64 = pem.substring(start, end);
    if (base64.contains(":")) {
      throw new BadKey(file + " has header lines in its key, which the bot cannot read");
    }
    try {
      return Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new BadKey(
          file + " is damaged: the text between its BEGIN and END lines is not base64");
    }
  }

  private static RSAPrivateKey rsa(Path file, byte[] pkcs8) throws BadKey {
    try {
      return rsa(pkcs8);
    } catch (GeneralSecurityException | RuntimeException e) {
      // The JDK's reason ("DerInputStream.getLength(): lengthTag=...") helps nobody fix the file.
      throw new BadKey(
          file
              + " is not a readable RSA private key: the text between its BEGIN and END lines is"
              + " damaged, cut short, or not an RSA key");
    }
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
