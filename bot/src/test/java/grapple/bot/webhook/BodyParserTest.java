package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BodyParserTest {
  private static JsonNode parse(String contentType, String body) {
    return BodyParser.parse(Optional.ofNullable(contentType), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void jsonIsParsed() throws Exception {
    assertThat(parse("application/json; charset=utf-8", "{\"a\":[1]}")).isEqualTo(Json.MAPPER.readTree("{\"a\":[1]}"));
  }

  @Test
  void vendorJsonTypesAreJson() {
    assertThat(parse("application/vnd.github+json", "{\"a\":1}").get("a").asInt()).isEqualTo(1);
  }

  @Test
  void malformedJsonIsABadInputSayingWhere() {
    assertThatThrownBy(() -> parse("application/json", "{\"text\":"))
        .isInstanceOf(BadInput.class).hasMessageStartingWith("Body is not valid JSON").hasMessageContaining("line 1");
  }

  @Test
  void formDataBecomesAnObjectOfStrings() {
    JsonNode data = parse("application/x-www-form-urlencoded", "a=1&b=two+words&c=%C3%A9");

    assertThat(data.get("a").asText()).isEqualTo("1");
    assertThat(data.get("b").asText()).isEqualTo("two words");
    assertThat(data.get("c").asText()).isEqualTo("é");
  }

  @Test
  void textIsAString() {
    assertThat(parse("text/plain", "hello").asText()).isEqualTo("hello");
  }

  @Test
  void textXmlIsXmlNotText() {
    assertThat(parse("text/xml", "<a>1</a>").get("a").asText()).isEqualTo("1");
  }

  @Test
  void anEmptyBodyIsAnEmptyObject() {
    assertThat(parse(null, "")).isEqualTo(Json.object());
  }

  @Test
  void anUnsupportedContentTypeIsRefusedNamingIt() {
    assertThatThrownBy(() -> parse("image/png", "xx"))
        .isInstanceOf(BodyParser.Unsupported.class).hasMessageContaining("image/png");
  }

  @Test
  void aMissingContentTypeWithABodyIsRefused() {
    assertThatThrownBy(() -> parse(null, "xx"))
        .isInstanceOf(BodyParser.Unsupported.class).hasMessageContaining("Missing Content-Type");
  }
}
