package grapple.bot.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Grapple;
import grapple.bot.ScriptedConsole;
import grapple.bot.Service;
import grapple.bot.config.ConfigLoader;
import grapple.bot.config.TestConfig;
import grapple.state.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service added by its package and one line works in every door: commands, room state, the API,
 * its routes.
 */
class SampleServiceTest {
  private static final String SECRET = "sample-secret-0123456789";
  private static final String ROOM = "%21console%3Alocalhost";
  private static final String AS_CONSOLE = "?userId=%40console%3Alocalhost";
  private static final MediaType JSON = MediaType.get("application/json");

  @TempDir Path dir;
  private final OkHttpClient http = new OkHttpClient();
  private final ScriptedConsole console = new ScriptedConsole();
  private Grapple app;

  private void start(String sampleSection) throws Exception {
    // The one line: the sample service joins the list.
    List<Service> services = new ArrayList<>(Grapple.services());
    services.add(new SampleService());
    String yaml = TestConfig.local(dir, SECRET, sampleSection);
    app =
        Grapple.start(
            ConfigLoader.parse(yaml, dir, Map.of(), Grapple.configSections(services)),
            console,
            services);
  }

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  /** Creates a sample connection named {@code name} through /v1, as the console user. */
  private JsonNode putSample(String name) throws IOException {
    return api(
        "PUT",
        "/v1/" + ROOM + "/connections/" + SampleService.EVENT_TYPE + AS_CONSOLE,
        "{\"name\":\"" + name + "\"}");
  }

  private JsonNode api(String method, String path, String body) throws IOException {
    Request.Builder request =
        new Request.Builder()
            .url("http://127.0.0.1:" + app.provisioningPort() + path)
            .header("Authorization", "Bearer " + SECRET);
    request.method(method, body == null ? null : RequestBody.create(body, JSON));
    try (Response response = http.newCall(request.build()).execute()) {
      return Json.MAPPER.readTree(response.body().string());
    }
  }

  private List<String> uncheckedSampleKeys() {
    try {
      return sampleKeys();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<String> sampleKeys() throws IOException {
    List<String> keys = new ArrayList<>();
    for (JsonNode c : api("GET", "/v1/" + ROOM + "/connections" + AS_CONSOLE, null)) {
      if (c.path("type").asText().equals("Sample"))
        keys.add(c.path("config").path("name").asText());
    }
    return keys;
  }

  @Test
  void itWorksThroughCommandsRoomStateAndTheApi() throws Exception {
    start("sample: {greeting: hi}");

    console.type("!grapple sample one");
    console.awaitPrinted("Sample `one` created.");
    console.type("/state org.example.sample two {\"name\":\"two\"}");
    JsonNode created = putSample("three");

    assertThat(created.path("type").asText()).isEqualTo("Sample");
    // The console applies typed state on its own thread, not before the API call above answers.
    grapple.testing.Await.until(
        java.time.Duration.ofSeconds(10), () -> uncheckedSampleKeys().contains("two"));
    assertThat(sampleKeys()).containsExactlyInAnyOrder("one", "two", "three");
    assertThat(api("GET", "/v1/connectiontypes", null).has("Sample")).isTrue();
  }

  @Test
  void itsReceiverItsApiRouteAndItsPrefixAnswer() throws Exception {
    start("sample: {greeting: hi}");
    console.type("!grapple sample one");
    console.awaitPrinted("Sample `one` created.");

    Request post =
        new Request.Builder()
            .url("http://127.0.0.1:" + app.webhookPort() + "/sample/one")
            .post(RequestBody.create("there", MediaType.get("text/plain")))
            .build();
    try (Response response = http.newCall(post).execute()) {
      assertThat(response.code()).isEqualTo(202);
    }
    console.awaitPrinted("hi: there");
    console.type("!one ping");
    console.awaitPrinted("pong from `one`");

    assertThat(api("GET", "/v1/sample/greeting", null).path("greeting").asText()).isEqualTo("hi");
  }

  @Test
  void itsTableArrivesThroughItsOwnMigrationStep() throws Exception {
    start("");
    app.close();
    app = null;

    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("grapple.db"));
        var rs =
            c.createStatement()
                .executeQuery("SELECT name FROM sqlite_master WHERE name = 'sample_pings'")) {
      assertThat(rs.next()).isTrue();
    }
  }

  @Test
  void whenDisabledItsRoutesTypesAndCommandsSaySoFromOnePlace() throws Exception {
    start("sample: {enabled: false}");

    JsonNode route = api("GET", "/v1/sample/greeting", null);
    JsonNode type = putSample("x");
    console.type("!grapple sample one");
    console.awaitPrinted("The bridge is not configured to support samples.");
    // A built-in service off in config (GitHub is off unless enabled) answers as hookshot does.
    console.type("!grapple GitHub repo https://github.com/o/r");
    console.awaitPrinted("The bridge is not configured to support GitHub.");
    // Each names the key that turns it on: its config section's, not its name (genericOutbound).
    console.type("!grapple outbound-hook out https://example.org/hook");
    assertThat(console.awaitPrinted("outbound webhooks"))
        .contains("The bridge is not configured to support outbound webhooks.")
        .contains("`outbound.enabled: true`");
    JsonNode outbound =
        api(
            "PUT",
            "/v1/" + ROOM + "/connections/uk.half-shot.matrix-hookshot.outbound-hook" + AS_CONSOLE,
            "{\"name\":\"out\",\"url\":\"https://example.org/hook\"}");

    assertThat(outbound.path("error").asText())
        .isEqualTo(
            "The genericOutbound service is not enabled on this bot. Its operator can turn it on"
                + " with `outbound.enabled: true` in Grapple's config.");
    assertThat(route.path("error").asText())
        .endsWith("with `sample.enabled: true` in Grapple's config.");
    assertThat(route.path("errcode").asText()).isEqualTo("HS_DISABLED_FEATURE");
    assertThat(type.path("errcode").asText()).isEqualTo("HS_DISABLED_FEATURE");
    assertThat(route.path("error").asText()).contains("sample");
  }
}
