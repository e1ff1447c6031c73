package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anAuthenticatedBodyIsParsedFromItsBytesWithTheUntrustedLimits() throws Exception {
    byte[] body = utf8("{\"title\":\"Ünïcode ✓\",\"n\":[1,2,{\"deep\":true}]}");

    try (var parser = Json.AUTHENTICATED.getFactory().createParser(body)) {
      assertThat(parser).as("bytes parsed as bytes").isInstanceOf(UTF8StreamJsonParser.class);
    }
    assertThat(Json.AUTHENTICATED.readTree(body)).isEqualTo(Json.UNTRUSTED.readTree(body));
    assertThatThrownBy(
            () -> Json.AUTHENTICATED.readTree(utf8("[".repeat(Json.MAX_DEPTH + 1) + "]")))
        .isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("nesting depth");
    assertThatThrownBy(
            () -> Json.AUTHENTICATED.readTree(utf8("1".repeat(Json.MAX_NUMBER_DIGITS + 1))))
        .isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("Number value length");
    assertThatThrownBy(() -> Json.AUTHENTICATED.readTree(utf8("{\"a\":1} }")))
        .isInstanceOf(JsonProcessingException.class);
  }
}
