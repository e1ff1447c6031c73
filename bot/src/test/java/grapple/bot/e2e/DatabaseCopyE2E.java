package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.state.Location;
import grapple.state.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An installation made by this release on SQLite, moved with {@code db copy} to PostgreSQL: its
 * webhook URL, its connections and its rooms work there as before (CONTRACT.md §15). Skipped
 * without Synapse or without PostgreSQL.
 */
class DatabaseCopyE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  private final WebhookPoster poster = new WebhookPoster();

  @Test
  void anInstallationCopiedToPostgresqlWorksThereAsBefore() throws Exception {
    Location.Postgres pg = TestPostgres.newDatabase();
    Cast cast = Cast.require();
    GrappleProcess bot = watched.watch(GrappleProcess.launch("dbcopy", cast));
    TestRoom room = TestRoom.create(cast.alice(), bot);
    String url = room.createWebhook("moved").url();
    long mark = room.owner.mark();
    assertThat(poster.postJson(url, "{\"text\":\"on sqlite\"}").code()).isEqualTo(202);
    assertThat(room.awaitBotMessage(mark).body()).isEqualTo("on sqlite");
    assertThat(bot.stop()).isZero();

    String target =
        "postgresql://%s:%s@%s:%d/%s?%s"
            .formatted(
                pg.user(), pg.password(), pg.host(), pg.port(), pg.database(), pg.parameters());
    GrappleProcess.ToolRun copy =
        bot.runJar(
            "db", "copy", "--from", bot.dir.resolve("grapple.db").toString(), "--to", target);
    assertThat(copy.status()).as("db copy output:\n%s", copy.output()).isZero();
    assertThat(copy.output()).contains("db copy: connections").contains("db copy: done.");

    bot.database("{url: \"%s\"}".formatted(target)).launch("");
    mark = room.owner.mark();
    // A new client: the old one's kept-alive connection went with the stopped process.
    Answer answer = new WebhookPoster().postJson(url, "{\"text\":\"on postgresql\"}");

    assertThat(answer.code())
        .as("status of the old URL on PostgreSQL: %s", answer.body())
        .isEqualTo(202);
    assertThat(room.awaitBotMessage(mark).body()).isEqualTo("on postgresql");
    String list = room.sendAndAwaitReply(cast.alice(), "!grapple list").body();
    assertThat(list).as("the connections after the move").contains("moved");
    assertThat(
            bot.runJar(
                    "db",
                    "copy",
                    "--from",
                    bot.dir.resolve("grapple.db").toString(),
                    "--to",
                    target)
                .output())
        .as("copying again")
        .contains("is not empty");
  }
}
