package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vectors of /work/shared/reference/corpora.md §B1: GitHub's docs and
 * octokit/webhooks-methods.js.
 */
class GithubSignerTest {
  /** A secret, a body, and the signature GitHub sends for them. */
  static Stream<Arguments> vectors() {
    return Stream.of(
        arguments(
            "GitHub's documented example",
            "It's a Secret to Everybody",
            "Hello, World!",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
        arguments(
            "octokit's JSON example",
            "mysecret",
            "{\"foo\":\"bar\"}",
            "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3"),
        arguments(
            "the UTF-8 bytes of escapes and hearts",
            "development",
            "{\"foo\":\"Foo\\n\\u001B[34mbar: "
                + "\u2665".repeat(8)
                + "\\nthis-is-lost\\u001B[0m\\u001B[2K\"}",
            "sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c"),
        arguments(
            "an escaped backslash as two backslashes",
            "development",
            "{\"foo\":\"\\\\u001b\"}",
            "sha256=6f8326efbacfbd04e870cea25b5652e635be8c9807f2fd5348ef60753c9e96ed"));
  }

  @ParameterizedTest(name = "signs {0}")
  @MethodSource("vectors")
  void signsTheVector(String vector, String secret, String body, String signature) {
    assertThat(GithubSigner.sign(secret, utf8(body))).isEqualTo(signature);
  }

  @Test
  void legacySignatureIsHexSha1() {
    assertThat(GithubSigner.signSha1("It's a Secret to Everybody", utf8("Hello, World!")))
        .matches("sha1=[0-9a-f]{40}");
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
