package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.FakeGateway;
import grapple.bot.Grapple;
import grapple.bot.outbox.Outbox;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.PostgresFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Feeds polled on PostgreSQL, where text holds no NUL. Skipped without a PostgreSQL server. */
class FeedOnPostgresTest {
  private static final String ROOM = "!room:test";
  private static final String URL = "https://blog.example/feed.json";

  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  /** A JSON Feed whose items have the ids {@code ids} (as JSON string bodies), newest first. */
  private static FeedFetcher.Result feed(String... ids) {
    StringBuilder json =
        new StringBuilder(
            "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"Blog\", \"items\": [");
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) json.append(", ");
      json.append("{\"id\": \"")
          .append(ids[i])
          .append("\", \"title\": \"Post ")
          .append(ids.length - i)
          .append("\"}");
    }
    json.append("]}");
    return Fetched.ok(json.toString(), "application/feed+json", URL);
  }

  private static FeedPoller.Subscription subscription() throws Exception {
    return FeedLeaderFencingTest.subscription(ROOM, URL);
  }

  private Database db() {
    return postgres.closeAfter(
        Database.open(postgres.location(), Grapple.migrations(List.of(new FeedService()))));
  }

  private FeedPoller poller(Database db, FeedSource source) {
    Outbox outbox =
        postgres.closeAfter(
            new Outbox(new OutboxStore(db), new FakeGateway(), 1, Duration.ofMillis(100)));
    return postgres.closeAfter(FeedLeaderFencingTest.poller(db, source, outbox));
  }

  /**
   * A feed's server whose ETag holds a NUL: the poll's record of it failed on PostgreSQL, after its
   * posts, and the feed was reported failing (an internal error) at every poll, backing off to a
   * day. It is recorded as a success (the ETag, no longer plain ASCII, is not sent back).
   */
  @Test
  void aValidatorWithANulIsRecordedAsASuccess() throws Exception {
    Database db = db();
    FeedFetcher.Result served = feed("one");
    FeedPoller poller =
        poller(
            db,
            (url, etag, lastModified) ->
                new FeedFetcher.Result(
                    200,
                    served.body(),
                    served.contentType(),
                    "\"v1\u0000\"",
                    null,
                    null,
                    null,
                    URL,
                    null));
    poller.register(subscription(), true);
    poller.pollOnce(URL);
    poller.pollOnce(URL);

    assertThat(new FeedStore(db).url(URL))
        .hasValueSatisfying(
            u -> {
              assertThat(u.failures()).isZero();
              assertThat(u.lastError()).isNull();
              assertThat(u.lastSuccessAt()).isNotNull();
            });
  }

  /**
   * A failure whose reason quotes the feed with a NUL in it (a parser quoting the body): recording
   * it failed on PostgreSQL, and the room was told of a database error instead of the reason.
   */
  @Test
  void aFailureWhoseReasonHoldsANulIsRecordedWithItsReason() throws Exception {
    Database db = db();
    FeedPoller poller =
        poller(
            db,
            (url, etag, lastModified) -> {
              throw new FeedException("not a valid JSON feed: Unrecognized token 'x\u0000y'");
            });
    poller.register(subscription(), true);
    poller.pollOnce(URL);

    assertThat(new FeedStore(db).url(URL))
        .hasValueSatisfying(
            u -> {
              assertThat(u.failures()).isOne();
              assertThat(u.lastError()).startsWith("not a valid JSON feed: Unrecognized token 'x");
            });
  }

  /**
   * An item id with a NUL in it (JSON's escape for it, here from a careless or hostile feed): the
   * poll's transaction, marking it seen with the post, failed on PostgreSQL at every poll, so the
   * room got none of the feed's new items any more. It is posted once, and seen after.
   */
  @Test
  void anItemWhoseIdHoldsANulIsPostedOnceAndTheFeedGoesOn() throws Exception {
    Database db = db();
    FeedFetcher.Result[] served = {feed("one")};
    FeedPoller poller = poller(db, (url, etag, lastModified) -> served[0]);
    poller.register(subscription(), true);
    poller.pollOnce(URL); // the first item is old news

    served[0] = feed("two\\u0000nul", "one");
    poller.pollOnce(URL);
    served[0] = feed("three", "two\\u0000nul", "one");
    poller.pollOnce(URL);

    assertThat(
            db.list(
                "SELECT content FROM outbox ORDER BY seq",
                rs -> Json.readObject(rs.getString(1)).path("body").asText()))
        .containsExactly("New post in Blog: Post 2", "New post in Blog: Post 3");
  }
}
