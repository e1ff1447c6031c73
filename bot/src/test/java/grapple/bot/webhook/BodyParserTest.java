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
    Payload payload =
        BodyParser.parse(Optional.ofNullable(contentType), body.getBytes(StandardCharsets.UTF_8));
    return ((Payload.Whole) payload).data();
  }

  @Test
  void jsonIsParsed() throws Exception {
    assertThat(parse("application/json; charset=utf-8", "{\"a\":[1]}"))
        .isEqualTo(Json.MAPPER.readTree("{\"a\":[1]}"));
  }

  /**
   * A JSON or form body is read in its Content-Type's charset: ISO-8859-1 JSON was refused as
   * malformed UTF-8 (400), and a form's {@code %E9} became U+FFFD.
   */
  @Test
  void jsonAndFormsAreReadInTheContentTypesCharset() {
    byte[] json = "{\"text\":\"café\"}".getBytes(StandardCharsets.ISO_8859_1);
    byte[] form = "text=caf%E9&raw=café".getBytes(StandardCharsets.ISO_8859_1);

    JsonNode fromJson =
        ((Payload.Whole)
                BodyParser.parse(Optional.of("application/json; charset=ISO-8859-1"), json))
            .data();
    JsonNode fromForm =
        ((Payload.Whole)
                BodyParser.parse(
                    Optional.of("application/x-www-form-urlencoded; charset=iso-8859-1"), form))
            .data();

    assertThat(fromJson.path("text").asText()).isEqualTo("café");
    assertThat(fromForm.path("text").asText()).isEqualTo("café");
    assertThat(fromForm.path("raw").asText()).isEqualTo("café");
    byte[] utf16 = "{\"text\":\"café\"}".getBytes(StandardCharsets.UTF_16);
    assertThat(
            ((Payload.Whole)
                    BodyParser.parse(Optional.of("application/json; charset=UTF-16"), utf16))
                .data()
                .path("text")
                .asText())
        .isEqualTo("café");
  }

  @Test
  void vendorJsonTypesAreJson() {
    assertThat(parse("application/vnd.github+json", "{\"a\":1}").get("a").asInt()).isEqualTo(1);
  }

  @Test
  void malformedJsonIsABadInputSayingWhere() {
    assertThatThrownBy(() -> parse("application/json", "{\"text\":"))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("Body is not valid JSON")
        .hasMessageContaining("line 1");
  }

  @Test
  void formDataBecomesAnObjectOfStrings() {
    JsonNode data = parse("application/x-www-form-urlencoded", "a=1&b=two+words&c=%C3%A9");

    assertThat(data.get("a").asText()).isEqualTo("1");
    assertThat(data.get("b").asText()).isEqualTo("two words");
    assertThat(data.get("c").asText()).isEqualTo("é");
  }

  /**
   * {@code curl -d 'text=CPU at 95%'} sends the {@code %} unescaped. Node's querystring (hookshot)
   * keeps a {@code %} not followed by two hex digits as it is; the whole body was refused with 400
   * ("Incomplete trailing escape"), so such an alert was lost.
   */
  @Test
  void aPercentSignThatIsNoEscapeStaysAsItIsInAForm() throws Exception {
    JsonNode data =
        parse(
            "application/x-www-form-urlencoded",
            "text=CPU+at+95%&note=100%zz+done&mixed=%C3%A9%2&k%=v&x=%E2%82%AC%");

    assertThat(data)
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"text\":\"CPU at 95%\",\"note\":\"100%zz done\",\"mixed\":\"é%2\","
                    + "\"k%\":\"v\",\"x\":\"€%\"}"));
  }

  /**
   * Hookshot reads forms with Node's querystring: a name given twice is an array of its values.
   * Only the last was kept, so the message and the attached body lost the others, and a script
   * written for hookshot ({@code data.tag.join(", ")}) failed.
   */
  @Test
  void aFormNameGivenMoreThanOnceIsAnArrayOfItsValuesAsInHookshot() throws Exception {
    JsonNode data = parse("application/x-www-form-urlencoded", "tag=a&one=1&tag=b+c&tag=d");

    assertThat(data)
        .isEqualTo(Json.MAPPER.readTree("{\"tag\":[\"a\",\"b c\",\"d\"],\"one\":\"1\"}"));
  }

  @Test
  void textIsAString() {
    assertThat(parse("text/plain", "hello").asText()).isEqualTo("hello");
  }

  @Test
  void textXmlIsXmlNotText() {
    assertThat(parse("text/xml", "<a>1</a>").get("a").asText()).isEqualTo("1");
  }

  /**
   * The Content-Type's charset decides how XML is read (RFC 7303): an ISO-8859-1 body without an
   * XML declaration was read as UTF-8 and refused with a 400, so the sender dropped the message.
   */
  @Test
  void xmlIsReadInTheContentTypesCharset() {
    byte[] latin1 = "<a>café</a>".getBytes(StandardCharsets.ISO_8859_1);

    Payload payload = BodyParser.parse(Optional.of("application/xml; charset=ISO-8859-1"), latin1);

    assertThat(((Payload.Whole) payload).data().get("a").asText()).isEqualTo("café");
  }

  @Test
  void theContentTypesCharsetWinsOverTheXmlDeclarationAndAByteOrderMarkIsSkipped() {
    byte[] latin1 =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>café</a>"
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] bom = "\uFEFF<a>café</a>".getBytes(StandardCharsets.UTF_8);

    JsonNode fromLatin1 =
        ((Payload.Whole) BodyParser.parse(Optional.of("text/xml; charset=iso-8859-1"), latin1))
            .data();
    JsonNode fromBom =
        ((Payload.Whole) BodyParser.parse(Optional.of("text/xml; charset=utf-8"), bom)).data();

    assertThat(fromLatin1.get("a").asText()).isEqualTo("café");
    assertThat(fromBom.get("a").asText()).isEqualTo("café");
  }

  @Test
  void xmlWithoutACharsetIsReadByItsDeclaration() {
    byte[] latin1 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>café</a>"
            .getBytes(StandardCharsets.ISO_8859_1);

    assertThat(((Payload.Whole) BodyParser.parse(Optional.of("application/xml"), latin1)).data())
        .isEqualTo(Json.object().put("a", "café"));
  }

  @Test
  void anEmptyBodyIsAnEmptyObject() {
    assertThat(parse(null, "")).isEqualTo(Json.object());
  }

  @Test
  void aJsonBodyOfOnlyWhiteSpaceIsABadInputNotANullMessage() {
    // A sender that writes a newline as "no body" got "Received webhook data: null" posted.
    assertThatThrownBy(() -> parse("application/json", " \r\n"))
        .isInstanceOf(BadInput.class)
        .hasMessage("Body is not valid JSON: it is empty");
  }

  @Test
  void anUnsupportedContentTypeIsRefusedNamingIt() {
    assertThatThrownBy(() -> parse("image/png", "xx"))
        .isInstanceOf(BodyParser.Unsupported.class)
        .hasMessageContaining("image/png");
  }

  @Test
  void aMissingContentTypeWithABodyIsRefused() {
    assertThatThrownBy(() -> parse(null, "xx"))
        .isInstanceOf(BodyParser.Unsupported.class)
        .hasMessageContaining("Missing Content-Type");
  }

  @Test
  void jsonNestedDeeperThanTheLimitIsABadInputNamingIt() {
    String deep = "[".repeat(5_000) + "]".repeat(5_000);

    assertThatThrownBy(() -> parse("application/json", deep))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("nested deeper than 100 levels");
    assertThatThrownBy(
            () ->
                parse(
                    "application/json",
                    "{\"pad\":\"" + "x".repeat(70_000) + "\",\"a\":" + deep + "}"))
        .as("a body streamed because it is large")
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("nested deeper than 100 levels");
  }

  @Test
  void aNumberOfMoreThanAThousandDigitsIsABadInputNamingIt() {
    assertThatThrownBy(() -> parse("application/json", "{\"n\":" + "9".repeat(1_001) + "}"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("number longer than 1000 digits");
  }

  @Test
  void aLargeJsonBodyIsReadAsAStreamKeepingItsTextFields() {
    String body =
        "{\"username\":\"ci\",\"text\":\"deployed\",\"log\":\"" + "x".repeat(200_000) + "\"}";

    Payload payload =
        BodyParser.parse(Optional.of("application/json"), body.getBytes(StandardCharsets.UTF_8));

    assertThat(payload)
        .isInstanceOfSatisfying(
            Payload.Large.class,
            large -> {
              assertThat(large.text()).contains("deployed");
              assertThat(large.username()).contains("ci");
              assertThat(large.pretty())
                  .startsWith("{\n  \"username\": \"ci\",\n  \"text\": \"deployed\",");
              assertThat(large.pretty().length())
                  .isLessThanOrEqualTo(WebhookMessage.MAX_PRETTY_CHARS);
            });
  }

  @Test
  void aLargeJsonBodyWithTrailingGarbageIsABadInput() {
    String body = "{\"a\":\"" + "x".repeat(70_000) + "\"} {}";

    assertThatThrownBy(() -> parse("application/json", body))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("after the document");
  }

  @Test
  void aHugeTextBodyIsDecodedOnlyAsFarAsAMessageCanShow() {
    String text = parse("text/plain", "\u2039".repeat(1 << 20)).asText();

    assertThat(text).hasSize(BodyParser.TEXT_CHARS);
  }

  @Test
  void aScriptGetsALargeJsonBodyAsAWholeTree() {
    String body = "{\"text\":\"deployed\",\"log\":\"" + "x".repeat(200_000) + "\"}";

    Payload.Whole payload =
        BodyParser.parseWhole(
            Optional.of("application/json"), body.getBytes(StandardCharsets.UTF_8));

    assertThat(payload.data().path("log").asText()).hasSize(200_000);
  }

  @Test
  void aScriptGetsAHugeTextBodyWhole() {
    byte[] body = "\u2039".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);

    Payload.Whole payload = BodyParser.parseWhole(Optional.of("text/plain"), body);

    assertThat(payload.data().asText()).hasSize(1 << 20);
  }

  @Test
  void aScriptsJsonBodyKeepsTheDepthLimit() {
    String deep = "[".repeat(200) + "]".repeat(200);

    assertThatThrownBy(
            () ->
                BodyParser.parseWhole(
                    Optional.of("application/json"), deep.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(BadInput.class);
  }
}
