package grapple.bot.gitea;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Grapple;
import grapple.bot.ScriptedConsole;
import grapple.bot.config.ConfigLoader;
import grapple.bot.config.TestConfig;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.LinkedAccounts;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gitea service as the whole bot wires it (local mode): off, its receiver is 404 and its
 * connection type answers HS_DISABLED_FEATURE; on, both are there, and an administrator's link
 * names one of its instances and serves mentions there.
 */
class GiteaWiringTest {
  private static final String SECRET = "provisioning-secret-0123";
  private static final String ROOM = "%21console%3Alocalhost";
  private static final String AS_CONSOLE = "?userId=%40console%3Alocalhost";

  @TempDir Path dir;
  private final OkHttpClient http = new OkHttpClient();
  private Grapple app;

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  private void start(String gitea) throws Exception {
    String yaml = TestConfig.local(dir, SECRET, gitea);
    app =
        Grapple.start(
            ConfigLoader.parse(yaml, dir, Map.of(), Grapple.configSections()),
            new ScriptedConsole(),
            Grapple.services());
  }

  private int receiverStatus() throws IOException {
    Request post =
        new Request.Builder()
            .url("http://127.0.0.1:" + app.webhookPort() + "/gitea/webhook")
            .header("X-Gitea-Event", "push")
            .post(RequestBody.create("{}", MediaType.get("application/json")))
            .build();
    try (Response response = http.newCall(post).execute()) {
      return response.code();
    }
  }

  private JsonNode api(String method, String path, String body) throws IOException {
    Request.Builder request =
        new Request.Builder()
            .url("http://127.0.0.1:" + app.provisioningPort() + path)
            .header("Authorization", "Bearer " + SECRET);
    request.method(
        method, body == null ? null : RequestBody.create(body, MediaType.get("application/json")));
    try (Response response = http.newCall(request.build()).execute()) {
      return Json.MAPPER.readTree(response.body().string());
    }
  }

  @Test
  void offItsReceiverIsNotFoundAndItsTypeIsDisabled() throws Exception {
    start("");

    assertThat(receiverStatus()).isEqualTo(404);
    JsonNode refused =
        api(
            "PUT",
            "/v1/" + ROOM + "/connections/org.grapple.gitea.repository" + AS_CONSOLE,
            "{\"instance\":\"c\",\"owner\":\"o\",\"repo\":\"r\"}");
    assertThat(refused.path("errcode").asText()).isEqualTo("HS_DISABLED_FEATURE");
    assertThat(api("GET", "/v1/connectiontypes", null).has("GiteaRepo")).isFalse();
  }

  @Test
  void onItsReceiverWantsASignatureAndItsTypeIsListed() throws Exception {
    start(
        "gitea: {enabled: true, webhook: {secret: 'gitea-secret-0123'}, instances: {c: {url:"
            + " 'https://codeberg.org'}}}");

    assertThat(receiverStatus()).isEqualTo(401);
    assertThat(api("GET", "/v1/connectiontypes", null).path("GiteaRepo").path("eventType").asText())
        .isEqualTo("org.grapple.gitea.repository");
  }

  @Test
  void anAdministratorsLinkNamesOneOfTheConfiguredInstances() throws Exception {
    start(
        "gitea: {enabled: true, webhook: {secret: 'gitea-secret-0123'}, instances: {c: {url:"
            + " 'https://codeberg.org'}, w: {url: 'https://git.example.org'}}}");
    String links = "/api/people/links?api-version=2026-12-01";

    JsonNode refused =
        api("POST", links, "{\"matrix\":{\"userId\":\"@m:x\"},\"gitea\":{\"login\":\"m\"}}");
    assertThat(refused.path("error").asText()).contains("gitea.instance").contains("c, w");

    JsonNode made =
        api(
            "POST",
            links,
            "{\"matrix\":{\"userId\":\"@m:x\"},\"gitea\":{\"login\":\"m\",\"instance\":\"w\"}}");
    assertThat(made.path("gitea").path("login").asText()).isEqualTo("m");
  }

  @Test
  void anAdministratorsLinkServesMentionsOnItsInstance() {
    try (Database db = Database.open(Location.sqlite(dir.resolve("g.db")), Migrations.core())) {
      PeopleLinks people = new PeopleLinks(db, Clock.systemUTC());
      people.create(
          "link-1",
          List.of(new PeopleLinks.Identity("link-1", "gitea", "w", "@m:x", "Mia", null)),
          "key ops");
      GiteaAccounts accounts =
          new GiteaAccounts(
              new LinkedAccounts(db, SecretBox.of(new byte[32]), Clock.systemUTC()),
              people,
              new GiteaClient(Clock.systemUTC()),
              new GiteaSettings(
                  true,
                  "s",
                  Optional.empty(),
                  Map.of("w", HttpUrl.get("https://git.example.org"))));

      assertThat(accounts.on("w").matrixUserFor("mia")).contains("@m:x");
      assertThat(accounts.on("c").matrixUserFor("mia")).isEmpty();
    }
  }
}
