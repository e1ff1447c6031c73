package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.testing.github.GithubAppKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemKeysTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();

  @TempDir Path dir;

  @Test
  void readsThePkcs1FileGithubHandsOut() throws Exception {
    Path file = Files.writeString(dir.resolve("app.pem"), KEY.pkcs1Pem());

    RSAPrivateKey key = PemKeys.readRsaPrivateKey(file);

    assertThat(key.getModulus()).isEqualTo(KEY.privateKey().getModulus());
    assertThat(key.getPrivateExponent()).isEqualTo(KEY.privateKey().getPrivateExponent());
  }

  @Test
  void readsPkcs8() throws Exception {
    Path file = Files.writeString(dir.resolve("app.pem"), KEY.pkcs8Pem());

    RSAPrivateKey key = PemKeys.readRsaPrivateKey(file);

    assertThat(key.getPrivateExponent()).isEqualTo(KEY.privateKey().getPrivateExponent());
  }

  @Test
  void readsAKeyWithCrlfLinesAndTextAroundIt() throws Exception {
    String pem = ("Bag Attributes\n" + KEY.pkcs1Pem() + "trailing words\n").replace("\n", "\r\n");
    Path file = Files.writeString(dir.resolve("app.pem"), pem);

    assertThat(PemKeys.readRsaPrivateKey(file).getModulus())
        .isEqualTo(KEY.privateKey().getModulus());
  }

  @Test
  void aFileWithoutAPemKeyIsABadKeyNamingTheFile() throws Exception {
    Path file = Files.writeString(dir.resolve("notes.txt"), "hello\n");

    assertThatReadingIsABadKey(file)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("BEGIN RSA PRIVATE KEY");
  }

  @Test
  void garbageBetweenTheMarkersIsABadKeyNamingTheFile() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.pem"),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAAnotakey\n-----END RSA PRIVATE KEY-----\n");

    assertThatReadingIsABadKey(file)
        .hasMessageContaining(file.toString())
        .hasMessageNotContaining("Exception")
        .hasMessageNotContaining("Der");
  }

  @Test
  void aTruncatedKeyIsABadKeyNamingTheFile() throws Exception {
    String pem = KEY.pkcs8Pem();
    Path file = Files.writeString(dir.resolve("cut.pem"), pem.substring(0, pem.length() / 2));

    assertThatReadingIsABadKey(file)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("END PRIVATE KEY")
        .hasMessageNotContaining("Exception");
  }

  /** The JDK's reason ("DerInputStream.getLength(): lengthTag=...") helps nobody fix the file. */
  @Test
  void aDamagedKeyIsABadKeyInWordsNotTheJdksException() throws Exception {
    List<String> lines = new ArrayList<>(KEY.pkcs1Pem().lines().toList());
    lines.remove(10);
    String damaged = String.join("\n", lines) + "\n";
    Path file = Files.writeString(dir.resolve("damaged.pem"), damaged);

    assertThatReadingIsABadKey(file)
        .hasMessage(
            file
                + " is not a readable RSA private key: the text between its BEGIN and END lines"
                + " is damaged, cut short, or not an RSA key");
  }

  /**
   * Notepad saves with a byte-order mark and CRLF; US-ASCII decoding failed: "Input length = 1".
   */
  @Test
  void readsAKeySavedWithAByteOrderMarkAndCrlfLines() throws Exception {
    byte[] pem = KEY.pkcs1Pem().replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] withBom = new byte[pem.length + 3];
    withBom[0] = (byte) 0xef;
    withBom[1] = (byte) 0xbb;
    withBom[2] = (byte) 0xbf;
    System.arraycopy(pem, 0, withBom, 3, pem.length);
    Path file = Files.write(dir.resolve("app.pem"), withBom);

    assertThat(PemKeys.readRsaPrivateKey(file).getPrivateExponent())
        .isEqualTo(KEY.privateKey().getPrivateExponent());
  }

  @Test
  void readsAPkcs8KeySavedAsUtf16WithAByteOrderMark() throws Exception {
    Path file =
        Files.write(dir.resolve("app.pem"), KEY.pkcs8Pem().getBytes(StandardCharsets.UTF_16));

    assertThat(PemKeys.readRsaPrivateKey(file).getPrivateExponent())
        .isEqualTo(KEY.privateKey().getPrivateExponent());
  }

  @Test
  void anEncryptedPkcs1KeyIsRefusedSayingHowToDecryptIt() throws Exception {
    String body = KEY.pkcs1Pem().replace("-----BEGIN RSA PRIVATE KEY-----\n", "");
    String pem =
        "-----BEGIN RSA PRIVATE KEY-----\n"
            + "Proc-Type: 4,ENCRYPTED\n"
            + "DEK-Info: AES-128-CBC,7E3B5C1A9F2D4E6B8A0C1D2E3F405162\n\n"
            + body;
    Path file = Files.writeString(dir.resolve("locked.pem"), pem);

    assertThatReadingIsABadKey(file)
        .hasMessageContaining(file + " is encrypted")
        .hasMessageContaining("openssl pkey -in " + file + " -out plain.pem")
        .hasMessageContaining("github.app.privateKeyFile");
  }

  @Test
  void anEncryptedPkcs8KeyIsRefusedSayingHowToDecryptIt() throws Exception {
    String pem =
        KEY.pkcs8Pem()
            .replace("BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY")
            .replace("END PRIVATE KEY", "END ENCRYPTED PRIVATE KEY");
    Path file = Files.writeString(dir.resolve("locked.pem"), pem);

    assertThatReadingIsABadKey(file)
        .hasMessageContaining(file + " is encrypted")
        .hasMessageContaining("openssl pkey");
  }

  @Test
  void anOpensshKeyIsRefusedSayingWhichFileIsWanted() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("id_rsa"),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                + "-----END OPENSSH PRIVATE KEY-----\n");

    assertThatReadingIsABadKey(file)
        .hasMessageContaining("OpenSSH key")
        .hasMessageContaining("App's settings page");
  }

  /**
   * The message (shown as {@code config: github.app.privateKeyFile: ...}) read "cannot read /x.pem:
   * NoSuchFileException /x.pem": a Java class name and the path twice.
   */
  @Test
  void aMissingFileIsABadKeyNamingTheFileAndWhy() {
    Path file = dir.resolve("nowhere.pem");

    assertThatReadingIsABadKey(file).hasMessage("cannot read " + file + ": no such file");
  }

  /** Reading {@code file} fails with a BadKey. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertThatReadingIsABadKey(
      Path file) {
    return assertThatThrownBy(() -> PemKeys.readRsaPrivateKey(file))
        .isInstanceOf(PemKeys.BadKey.class);
  }
}
