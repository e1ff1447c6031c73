package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.FakeGateway;
import grapple.bot.outbox.Outbox;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migration;
import grapple.state.Migrations;
import grapple.state.OutboxStore;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hookshot's expiry warning: once, inside the last three days, for a hook set before them. */
class ExpiryNoticesTest {
  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(START);
  private final FakeGateway homeserver = new FakeGateway();
  private Database db;
  private Outbox outbox;
  private Hooks hooks;
  private ExpiryNotices notices;

  @BeforeEach
  void open() {
    List<Migration> steps = new ArrayList<>(Migrations.core());
    steps.add(ExpiryNotices.migration(1).ownedBy("generic"));
    db = Database.open(dir.resolve("grapple.db"), steps);
    outbox = new Outbox(new OutboxStore(db), homeserver, 1, Duration.ofMillis(50));
    outbox.start(db);
    WebhookSettings settings = WebhookSettingsTest.settings("generic: {sendExpiryNotice: true}");
    hooks = new Hooks(settings, new HookIds(new ConnectionStore(db)), clock);
    notices = new ExpiryNotices(hooks, outbox, db, clock);
  }

  @AfterEach
  void close() {
    outbox.close();
    db.close();
  }

  private void hook(String name, Instant expires) {
    ObjectNode content = Json.object().put("name", name).put("expirationDate", expires.toString());
    Connection.Audit audit = new Connection.Audit("@admin:test", null, clock.instant());
    Connection connection =
        new Connection(
            "c-" + name,
            "!room:test",
            "generic",
            "uk.half-shot.matrix-hookshot.generic.hook",
            name,
            content,
            audit,
            audit);
    hooks.open(connection, hooks.parse(name, content), false);
  }

  /** How many warnings were queued (each is queued with its row, in one transaction). */
  private int warnings() {
    return db.first("SELECT COUNT(*) FROM webhook_expiry_warned", rs -> rs.getInt(1)).orElseThrow();
  }

  @Test
  void aHookIsWarnedOnceWhenLessThanThreeDaysRemain() throws Exception {
    hook("ci", START.plus(Duration.ofDays(10)));

    notices.check();
    clock.advance(Duration.ofDays(7).minusMinutes(1));
    notices.check();
    assertThat(warnings()).isZero();

    clock.advance(Duration.ofMinutes(2));
    notices.check();
    FakeGateway.Sent sent = homeserver.takeSent(Duration.ofSeconds(5));
    assertThat(sent.roomId()).isEqualTo("!room:test");
    assertThat(sent.content().path("body").asText())
        .isEqualTo("The webhook **ci** will be expiring in 71 hours.");
    assertThat(sent.content().path("msgtype").asText()).isEqualTo("m.notice");

    clock.advance(Duration.ofHours(1));
    notices.check();
    assertThat(warnings()).isEqualTo(1);
    // Nothing queued after the first message (which may still be on its way out).
    assertThat(new OutboxStore(db).pending()).allSatisfy(e -> assertThat(e.seq()).isEqualTo(1));
  }

  @Test
  void theRecordOfAWarningGoesOnceItsExpiryHasPassed() throws Exception {
    hook("ci", START.plus(Duration.ofDays(10)));
    clock.advance(Duration.ofDays(7).plusMinutes(1));
    notices.check();
    assertThat(homeserver.takeSent(Duration.ofSeconds(5)).content().path("body").asText())
        .startsWith("The webhook **ci** will be expiring");
    assertThat(warnings()).isEqualTo(1);

    clock.advance(Duration.ofDays(3).minusMinutes(2));
    notices.check();
    assertThat(warnings()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(3));
    notices.check();
    assertThat(warnings()).isZero();
    assertThat(new OutboxStore(db).pending()).allSatisfy(e -> assertThat(e.seq()).isEqualTo(1));
  }

  @Test
  void aHookSetWithThreeDaysOrLessToGoIsNotWarned() throws Exception {
    hook("short", START.plus(Duration.ofDays(2)));

    notices.check();
    clock.advance(Duration.ofDays(1));
    notices.check();

    assertThat(warnings()).isZero();
    assertThat(new OutboxStore(db).pending()).isEmpty();
  }

  @Test
  void theWindowIsTheLastThreeDaysButNotTheLastQuarterHour() {
    Instant expiry = START.plus(Duration.ofDays(10));
    Instant changed = START;

    assertThat(ExpiryNotices.due(expiry, changed, expiry.minus(Duration.ofDays(3)).minusSeconds(1)))
        .isFalse();
    assertThat(ExpiryNotices.due(expiry, changed, expiry.minus(Duration.ofDays(3)))).isTrue();
    assertThat(ExpiryNotices.due(expiry, changed, expiry.minus(Duration.ofMinutes(16)))).isTrue();
    assertThat(ExpiryNotices.due(expiry, changed, expiry.minus(Duration.ofMinutes(15)))).isFalse();
    ObjectNode notice = ExpiryNotices.notice("a*b", Duration.ofMinutes(90));
    assertThat(notice.path("body").asText())
        .isEqualTo("The webhook **a*b** will be expiring in 1 hour.");
    assertThat(notice.path("formatted_body").asText())
        .isEqualTo("<p>The webhook <strong>a*b</strong> will be expiring in 1 hour.</p>");
  }
}
