package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class XmlToJsonTest {
  private static JsonNode parse(String xml) {
    return XmlToJson.parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void childrenAreArraysAndTextOnlyElementsAreStrings() throws Exception {
    assertThat(parse("<build><status>ok</status></build>"))
        .isEqualTo(Json.MAPPER.readTree("{\"build\":{\"status\":[\"ok\"]}}"));
  }

  @Test
  void repeatedChildrenShareOneArray() throws Exception {
    assertThat(parse("<r><i>1</i><i>2</i></r>"))
        .isEqualTo(Json.MAPPER.readTree("{\"r\":{\"i\":[\"1\",\"2\"]}}"));
  }

  @Test
  void attributesGoUnderDollarAndTextUnderUnderscore() throws Exception {
    assertThat(parse("<Build ID=\"7\"> done </Build>"))
        .isEqualTo(Json.MAPPER.readTree("{\"build\":{\"$\":{\"ID\":\"7\"},\"_\":\"done\"}}"));
  }

  @Test
  void aDoctypeIsRefusedSoNoExternalEntityIsRead() {
    String xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";

    assertThatThrownBy(() -> parse(xxe))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("Body is not valid XML");
  }

  @Test
  void malformedXmlIsABadInput() {
    assertThatThrownBy(() -> parse("<a><b></a>")).isInstanceOf(BadInput.class);
  }

  @Test
  void xmlNestedThousandsDeepIsRefusedNamingTheLimitWithoutRecursion() {
    for (int depth : new int[] {500, 4_000, 5_000, 100_000}) {
      String xml = "<a>".repeat(depth) + "</a>".repeat(depth);

      assertThatThrownBy(() -> parse(xml))
          .as("depth %d", depth)
          .isInstanceOf(BadInput.class)
          .hasMessageContaining("nested deeper than 100 elements");
    }
  }

  @Test
  void xmlWithMoreElementsThanTheLimitIsRefused() {
    String xml = "<r>" + "<i/>".repeat(XmlToJson.MAX_ELEMENTS) + "</r>";

    assertThatThrownBy(() -> parse(xml))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("more than 20000 elements");
  }

  @Test
  void xmlAtTheDepthLimitIsAccepted() {
    String xml = "<a>".repeat(100) + "x" + "</a>".repeat(100);

    assertThat(parse(xml).path("a").isObject()).isTrue();
  }

  @Test
  void prefixedNamesKeepTheirPrefixLowerCased() throws Exception {
    assertThat(
            parse("<soap:Envelope xmlns:soap=\"urn:x\"><soap:Body>1</soap:Body></soap:Envelope>"))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"soap:envelope\":{\"$\":{\"xmlns:soap\":\"urn:x\"},\"soap:body\":[\"1\"]}}"));
  }
}
