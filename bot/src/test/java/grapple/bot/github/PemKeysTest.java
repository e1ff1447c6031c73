package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.testing.github.GithubAppKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
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

    assertThatThrownBy(() -> PemKeys.readRsaPrivateKey(file))
        .isInstanceOf(PemKeys.BadKey.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("BEGIN RSA PRIVATE KEY");
  }

  @Test
  void garbageBetweenTheMarkersIsABadKeyNamingTheFile() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.pem"),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAAnotakey\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> PemKeys.readRsaPrivateKey(file))
        .isInstanceOf(PemKeys.BadKey.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void aTruncatedKeyIsABadKeyNamingTheFile() throws Exception {
    String pem = KEY.pkcs8Pem();
    Path file = Files.writeString(dir.resolve("cut.pem"), pem.substring(0, pem.length() / 2));

    assertThatThrownBy(() -> PemKeys.readRsaPrivateKey(file))
        .isInstanceOf(PemKeys.BadKey.class)
        .hasMessageContaining(file.toString());
  }

  /**
   * The message (shown as {@code config: github.app.privateKeyFile: ...}) read "cannot read /x.pem:
   * NoSuchFileException /x.pem": a Java class name and the path twice.
   */
  @Test
  void aMissingFileIsABadKeyNamingTheFileAndWhy() {
    Path file = dir.resolve("nowhere.pem");

    assertThatThrownBy(() -> PemKeys.readRsaPrivateKey(file))
        .isInstanceOf(PemKeys.BadKey.class)
        .hasMessage("cannot read " + file + ": no such file");
  }
}
