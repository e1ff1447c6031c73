package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class GithubAppKeyTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();

  @Test
  void pkcs1PemIsWhatGithubDownloads() {
    String pem = KEY.pkcs1Pem();

    assertThat(pem)
        .startsWith("-----BEGIN RSA PRIVATE KEY-----\n")
        .endsWith("\n-----END RSA PRIVATE KEY-----\n");
    assertThat(pem.lines().filter(line -> !line.startsWith("-----")))
        .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
  }

  @Test
  void pkcs8WrapsTheSamePkcs1Key() {
    byte[] pkcs1 = der(KEY.pkcs1Pem());
    byte[] pkcs8 = der(KEY.pkcs8Pem());

    assertThat(KEY.pkcs8Pem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Arrays.copyOfRange(pkcs8, pkcs8.length - pkcs1.length, pkcs8.length))
        .isEqualTo(pkcs1);
  }

  @Test
  void pkcs8ReadsBackAsTheKey() throws Exception {
    RSAPrivateCrtKey read =
        (RSAPrivateCrtKey)
            KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(der(KEY.pkcs8Pem())));

    assertThat(read.getModulus()).isEqualTo(KEY.privateKey().getModulus());
  }

  @Test
  void jwtVerifiesWithTheKeyAndNamesTheApp() {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    FakeApp app = new FakeApp(new World(java.time.Clock.systemUTC()), 99, KEY.publicKey());

    AppJwt.verify(KEY.jwt(99, now), app, now);

    String claims =
        new String(
            Base64.getUrlDecoder().decode(KEY.jwt(99, now).split("\\.")[1]),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(claims).isEqualTo("{\"iat\":1772366340,\"exp\":1772366940,\"iss\":99}");
  }

  @Test
  void jwtDoesNotVerifyWithAnotherKey() {
    Instant now = Instant.now();
    FakeApp app =
        new FakeApp(
            new World(java.time.Clock.systemUTC()), 99, GithubAppKey.generate().publicKey());

    assertThatThrownBy(() -> AppJwt.verify(KEY.jwt(99, now), app, now))
        .isInstanceOf(ApiFailure.class);
  }

  private static byte[] der(String pem) {
    String base64 =
        pem.lines().filter(line -> !line.startsWith("-----")).reduce("", String::concat);
    return Base64.getDecoder().decode(base64);
  }
}
