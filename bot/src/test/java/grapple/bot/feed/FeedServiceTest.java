package grapple.bot.feed;

import static grapple.bot.matrix.HomeserverAnswers.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.Grapple;
import grapple.bot.ScriptedConsole;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import grapple.bot.config.TestConfig;
import grapple.bot.room.LoginFailed;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed service as Grapple starts it. */
class FeedServiceTest {
  private static final String ROOM = "!room:test";

  @TempDir Path dir;
  private final MockWebServer homeserver = new MockWebServer();
  private final MockWebServer feedServer = new MockWebServer();

  @BeforeEach
  void startServers() throws Exception {
    homeserver.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().equals("/_matrix/client/versions")) {
              return versions();
            }
            // The login takes a while, then is refused: time enough for the feed scheduler's first
            // ticks.
            return new MockResponse.Builder()
                .code(401)
                .headersDelay(2500, TimeUnit.MILLISECONDS)
                .addHeader("Content-Type", "application/json")
                .body("{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid token\"}")
                .build();
          }
        });
    homeserver.start();
    feedServer.enqueue(new MockResponse.Builder().code(500).build());
    feedServer.start();
  }

  @AfterEach
  void stopServers() {
    homeserver.close();
    feedServer.close();
  }

  @Test
  void aStartRefusedAtLoginPollsNoFeedAndRecordsNoBackoff() throws Exception {
    String url = feedServer.url("/feed.xml").toString();
    Path file = dir.resolve("grapple.db");
    dueFeed(file, url);
    Config config =
        ConfigLoader.parse(
            TestConfig.matrix(
                homeserver.url("/").toString(),
                "wrong",
                file,
                "feeds: {allowPrivateAddresses: true}"),
            dir,
            Map.of(),
            Grapple.configSections());

    assertThatThrownBy(() -> Grapple.start(config, new ScriptedConsole()))
        .isInstanceOf(LoginFailed.class);

    assertThat(feedServer.getRequestCount())
        .as("feed fetches before the login was refused")
        .isZero();
    // Grapple migrated the file with every service's steps before the login was refused.
    try (Database db = Database.open(file, Grapple.migrations(Grapple.services()))) {
      assertThat(new FeedStore(db).url(url))
          .hasValueSatisfying(u -> assertThat(u.failures()).isZero());
    }
  }

  /** A stored feed connection whose next poll is overdue, as an earlier run left it. */
  private static void dueFeed(Path file, String url) {
    try (Database db = Database.open(file)) {
      Connection.Audit audit = new Connection.Audit("@admin:test", null, Instant.EPOCH);
      new ConnectionStore(db)
          .put(
              Connection.create(
                  ROOM, "Feed", FeedService.EVENT_TYPE, url, Json.object().put("url", url), audit));
      new FeedStore(db).saveUrl(new FeedStore.UrlState(url, null, null, 0, 1, null, null, null));
    }
  }
}
