package grapple.bot.forge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.FakeGateway;
import grapple.bot.ServiceContext;
import grapple.bot.http.Response;
import grapple.bot.outbox.Outbox;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import grapple.state.CutOffProxy;
import grapple.state.Database;
import grapple.state.ForgeDeliveries;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.OutboxStore;
import grapple.state.TestPostgres;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How the forge receivers' intake answers a delivery whose messages it stored, or could not. */
class IntakeTest {
  private CutOffProxy proxy;
  private Database db;
  private Outbox outbox;

  @AfterEach
  void close() throws Exception {
    if (outbox != null) outbox.close();
    if (db != null) db.close();
    if (proxy != null) proxy.close();
  }

  /**
   * PostgreSQL's connection breaks as a delivery's messages commit, and the server stays away, so
   * whether they were stored cannot be learnt: the forge is not told "nothing was accepted", and is
   * told that sending it again posts nothing twice (the delivery's id is claimed with them).
   */
  @Test
  void aDeliveryThatMayHaveBeenStoredIsNot503NothingWasAccepted() throws Exception {
    Location.Postgres postgres = TestPostgres.newDatabase();
    proxy = new CutOffProxy(postgres.host(), postgres.port());
    Location.Postgres plain = CutOffProxy.sentAsText(postgres, 2);
    db = Database.open(proxy.in(plain), Migrations.core());
    outbox = new Outbox(new OutboxStore(db), new FakeGateway(), 1, Duration.ofMillis(50));
    Intake intake =
        new Intake(
            "github",
            " Redeliver it from the webhook's Recent Deliveries in GitHub.",
            context(db, outbox),
            new ForgeDeliveries(db, Clock.systemUTC()));
    // On the writer's connection, the one that sends the delivery's own rows.
    proxy.hangUpAt("COMMIT", true, "pushed");
    proxy.refuseNew();

    Response answer =
        intake
            .commit(
                List.of(Intake.draft("!room:example.org", Json.object().put("body", "pushed"))),
                "delivery-1",
                "push event delivery-1 for o/r")
            .get(60, TimeUnit.SECONDS);

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.headers()).containsEntry("Retry-After", "5");
    assertThat(Json.MAPPER.readTree(new String(answer.body(), UTF_8)).path("error").asText())
        .contains("may have been stored")
        .contains("posts them only if they were not")
        .doesNotContain("nothing was accepted")
        .endsWith(" Redeliver it from the webhook's Recent Deliveries in GitHub.");
  }

  /** A delivery id past 200 characters is kept by its digest: bounded, and never two as one. */
  @Test
  void aLongDeliveryIdIsKeptByItsDigestAndAShortOneAsItCame() {
    String uuid = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    String longA = "a".repeat(300) + "1";
    String longB = "a".repeat(300) + "2";

    assertThat(Intake.kept(uuid)).isEqualTo(uuid);
    assertThat(Intake.kept("x".repeat(200))).isEqualTo("x".repeat(200));
    assertThat(Intake.kept(longA)).startsWith("id-sha256:").hasSizeLessThanOrEqualTo(200);
    assertThat(Intake.kept(longA)).isEqualTo(Intake.kept(longA)).isNotEqualTo(Intake.kept(longB));
  }

  private static ServiceContext context(Database db, Outbox outbox) {
    return new ServiceContext(
        db,
        outbox,
        null,
        null,
        null,
        Clock.systemUTC(),
        new Permissions(List.of(), ServiceNames.none()),
        null,
        null,
        null,
        "!grapple");
  }
}
