package grapple.bot.provisioning;

import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.provisioning.LocalGrapple.AS_ADMIN;
import static grapple.bot.provisioning.LocalGrapple.connections;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts through {@code /v1}: one that does not compile is a 400 naming {@code
 * transformationFunction} and changes nothing (room state keeps such a hook, as hookshot does; the
 * API tells its caller at once instead).
 */
class WebhookScriptApiTest {
  @TempDir static Path dir;
  private static LocalGrapple grapple;

  @BeforeAll
  static void start() throws Exception {
    grapple = LocalGrapple.start(dir, "generic: {allowJsTransformationFunctions: true}");
  }

  @AfterAll
  static void everyAnswerMatchesTheDocumentAndStop() {
    try {
      OpenApiDocument document = OpenApiDocument.load();
      List<String> problems = new ArrayList<>();
      for (Answer a : grapple.answers()) problems.addAll(document.problems(a));
      assertThat(problems).as("answers that openapi.json does not describe").isEmpty();
    } finally {
      grapple.close();
    }
  }

  private static String hook(String name, String script) {
    return "{\"name\":\"" + name + "\",\"transformationFunction\":\"" + script + "\"}";
  }

  @Test
  void creatingAHookWhoseScriptDoesNotCompileIs400NamingTheField() {
    Answer a = grapple.put(connections("/" + WEBHOOK + AS_ADMIN), hook("broken", "result = {"));

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.errcode()).isEqualTo("HS_BAD_VALUE");
    assertThat(a.error())
        .contains("Could not compile transformation function")
        .contains("(line 1 of 'transformationFunction')");
    assertThat(grapple.get(connections(AS_ADMIN)).body()).doesNotContain("broken");
  }

  @Test
  void patchingInAScriptThatDoesNotCompileIs400AndKeepsTheWorkingOne() {
    String id =
        grapple
            .put(connections("/" + WEBHOOK + AS_ADMIN), hook("works", "result = 'ok'"))
            .json()
            .get("id")
            .asText();

    Answer a =
        grapple.patch(
            connections("/" + id + AS_ADMIN), "{\"transformationFunction\":\"result = {\"}");

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.error()).contains("'transformationFunction'");
    assertThat(
            grapple
                .get(connections("/" + id + AS_ADMIN))
                .json()
                .path("config")
                .path("transformationFunction")
                .asText())
        .isEqualTo("result = 'ok'");
  }
}
