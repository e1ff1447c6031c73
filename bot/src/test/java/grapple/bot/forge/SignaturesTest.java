package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GitHub's and octokit's published signature vectors (corpora.md §B1). */
class SignaturesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      It's a Secret to Everybody | Hello, World! | sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
      mysecret | {"foo":"bar"} | sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3
      development | {"foo":"\\\\u001b"} | sha256=6f8326efbacfbd04e870cea25b5652e635be8c9807f2fd5348ef60753c9e96ed
      """)
  void publishedVectorsMatch(String secret, String body, String signature) {
    assertThat(Signatures.matches(bytes(secret), Optional.of(signature), bytes(body))).isTrue();
  }

  @Test
  void theUtf8VectorMatches() {
    String body = "{\"foo\":\"Foo\\n\\u001B[34mbar: ♥♥♥♥♥♥♥♥\\nthis-is-lost\\u001B[0m\\u001B[2K\"}";
    assertThat(
            Signatures.matches(
                bytes("development"),
                Optional.of(
                    "sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c"),
                bytes(body)))
        .isTrue();
  }

  @Test
  void aChangedByteAMissingOrSha1SignatureOrAnotherSecretDoNot() {
    byte[] body = bytes("Hello, World!");
    String good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    byte[] secret = bytes("It's a Secret to Everybody");
    assertThat(Signatures.matches(secret, Optional.of(good), body)).isTrue();
    assertThat(
            Signatures.matches(
                secret,
                Optional.of(good.toUpperCase(java.util.Locale.ROOT).replace("SHA256", "sha256")),
                body))
        .isTrue();
    assertThat(Signatures.matches(secret, Optional.of(good), bytes("Hello, World?"))).isFalse();
    assertThat(Signatures.matches(secret, Optional.empty(), body)).isFalse();
    assertThat(
            Signatures.matches(
                secret, Optional.of("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"), body))
        .isFalse();
    assertThat(Signatures.matches(secret, Optional.of("sha256=zz"), body)).isFalse();
    assertThat(Signatures.matches(bytes("another secret"), Optional.of(good), body)).isFalse();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
