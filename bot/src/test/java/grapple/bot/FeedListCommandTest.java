package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.feed.FeedService;
import grapple.state.Json;
import java.nio.file.Path;
import java.util.List;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code feed list json|yaml} answers as hookshot's does. */
class FeedListCommandTest {
  private static final String ADMIN = "@admin:test";

  @TempDir Path dir;
  private final MockWebServer feedServer = new MockWebServer();
  private TestHub hub;

  @BeforeEach
  void setUp() throws Exception {
    TestHub.serveOneItemFeed(feedServer);
    hub =
        new TestHub(
            dir,
            List.of(new FeedService()),
            "feeds: {allowPrivateAddresses: true}",
            TestHub.EVERYONE_ADMIN);
    hub.joinedIn(TestHub.ROOM, ADMIN);
  }

  @AfterEach
  void tearDown() {
    hub.close();
    feedServer.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " json", " yaml"})
  void withNoFeedsEveryFormatSaysSo(String format) throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple feed list" + format))
        .isEqualTo("Not subscribed to any feeds");
  }

  @Test
  void jsonListsTheStateOfEachFeedUnderHookshotsHeadingSortedByLabelElseUrl() throws Exception {
    String zebra = feedServer.url("/a.xml").toString();
    String plain = feedServer.url("/b.xml").toString();
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple feed " + zebra + " Zebra"))
        .startsWith("Room configured to bridge");
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple feed " + plain))
        .startsWith("Room configured to bridge");

    String body = hub.reply(TestHub.ROOM, ADMIN, "!grapple feed list json");

    String head = "Currently subscribed to these feeds:\n```json\n";
    assertThat(body).startsWith(head).endsWith("\n```");
    JsonNode feeds = Json.MAPPER.readTree(body.substring(head.length(), body.length() - 4));
    assertThat(feeds).hasSize(2);
    // hookshot's entries are the state contents: url, label, template, ...
    assertThat(feeds.get(0).path("url").asText()).isEqualTo(plain);
    assertThat(feeds.get(0).has("label")).isFalse();
    assertThat(feeds.get(1).path("url").asText()).isEqualTo(zebra);
    assertThat(feeds.get(1).path("label").asText()).isEqualTo("Zebra");
    assertThat(feeds.get(1).path("status").asText()).isNotEmpty();
  }

  @Test
  void yamlIsUnderHookshotsHeadingToo() throws Exception {
    String url = feedServer.url("/a.xml").toString();
    hub.reply(TestHub.ROOM, ADMIN, "!grapple feed " + url + " News");

    String body = hub.reply(TestHub.ROOM, ADMIN, "!grapple feed list yaml");

    assertThat(body)
        .startsWith("Currently subscribed to these feeds:\n```yaml\n")
        .contains("url: \"" + url + "\"", "label: \"News\"");
  }
}
