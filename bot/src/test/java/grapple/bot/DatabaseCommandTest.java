package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int db(Map<String, String> env, String... args) {
    return DatabaseCommand.run(
        List.of(args),
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** A SQLite installation made by this release, with one webhook. */
  private Path installation() {
    Path file = dir.resolve("grapple.db");
    try (Database db = Database.open(file, Grapple.migrations(Grapple.services()))) {
      new ConnectionStore(db)
          .put(
              grapple.state.Connection.create(
                  "!r:x",
                  "Webhook",
                  "uk.half-shot.matrix-hookshot.generic.hook",
                  "ci",
                  Json.object().put("name", "ci"),
                  new grapple.state.Connection.Audit("@a:x", Instant.now())));
    }
    return file;
  }

  private static String url(Location.Postgres p, boolean withLogin) {
    return "postgresql://"
        + (withLogin ? p.user() + ":" + p.password() + "@" : "")
        + p.host()
        + ":"
        + p.port()
        + "/"
        + p.database()
        + "?"
        + p.parameters();
  }

  @Test
  void copiesWithALinePerTableAndSaysWhatToDoNext() {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabase();

    int status = db(Map.of(), "copy", "--from", sqlite.toString(), "--to", url(target, true));

    assertThat(status).as(err()).isZero();
    assertThat(out())
        .contains("db copy: from " + sqlite)
        .contains("db copy: connections")
        .contains("1 row(s)")
        .contains("db copy: done.")
        .doesNotContain("secrets key")
        .doesNotContain(":" + target.password() + "@");
    try (Database pg = Database.open(target, Grapple.migrations(Grapple.services()))) {
      assertThat(new ConnectionStore(pg).all())
          .singleElement()
          .satisfies(c -> assertThat(c.stateKey()).isEqualTo("ci"));
    }
  }

  @Test
  void theLoginComesFromTheConfigWhenTheUrlHasNoneAndTheEnvironmentsPasswordWins()
      throws Exception {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabase();
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        "database: {url: 'postgresql://elsewhere/db', user: "
            + target.user()
            + ", password: wrong-password}\n");

    int status =
        db(
            Map.of("GRAPPLE_DATABASE_PASSWORD", target.password()),
            "copy",
            "--from",
            sqlite.toString(),
            "--to",
            url(target, false),
            "--config=" + config);

    assertThat(status).as(err()).isZero();
  }

  @Test
  void sealedTokensAreCopiedAndTheKeyThatOpensThemIsNamed() {
    Path sqlite = installation();
    Path key = dir.resolve("grapple.key");
    String sealed;
    try (Database db = Database.open(sqlite, Grapple.migrations(Grapple.services()))) {
      sealed = grapple.state.SecretBox.load(key, null, db, true).seal("ghp_token", "test");
    }
    Location.Postgres target = TestPostgres.newDatabase();

    int status = db(Map.of(), "copy", "--from", sqlite.toString(), "--to", url(target, true));

    assertThat(status).as(err()).isZero();
    assertThat(out())
        .contains(
            "db copy: its tokens are sealed with the secrets key, which is not in the database:"
                + " give every instance that key ("
                + key.toAbsolutePath()
                + ") as secrets.keyFile, or its contents as GRAPPLE_SECRET_KEY");
    try (Database pg = Database.open(target, Grapple.migrations(Grapple.services()))) {
      assertThat(grapple.state.SecretBox.load(key, null, pg, false).open(sealed, "test"))
          .contains("ghp_token");
    }
  }

  @Test
  void aNonEmptyTargetIsRefusedWithExitStatusOne() throws Exception {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabaseWithARowIn("kept");

    int status = db(Map.of(), "copy", "--from", sqlite.toString(), "--to", url(target, true));

    assertThat(status).isEqualTo(1);
    assertThat(err()).contains("is not empty (table kept has rows)").contains("wrote nothing");
  }

  @Test
  void wrongArgumentsAreNamedWithTheUsage() {
    assertThat(db(Map.of(), "copy", "--to", "postgresql://h/db")).isEqualTo(2);
    assertThat(err())
        .contains("--from <sqlite file> is required")
        .contains("Usage: java -jar grapple.jar db copy");
  }

  /**
   * {@code db --help} answered "unknown command '--help'" and {@code db copy --help} "--help needs
   * a value", both with exit status 2: asking for the help is no mistake.
   */
  @Test
  void helpIsPrintedOnStdoutWithExitStatusZero() {
    for (List<String> args :
        List.of(
            List.of("--help"),
            List.of("-h"),
            List.of("help"),
            List.of("copy", "--help"),
            List.of("copy", "--from", "x.db", "-h"))) {
      out.reset();
      err.reset();

      assertThat(db(Map.of(), args.toArray(String[]::new))).as("db %s", args).isZero();
      assertThat(out()).as("db %s", args).startsWith("Usage: java -jar grapple.jar db copy");
      assertThat(err()).as("db %s", args).isEmpty();
    }
  }

  @Test
  void aMissingSourceFileIsNamedAndNotCreated() {
    Path missing = dir.resolve("nope.db");

    assertThat(db(Map.of(), "copy", "--from", missing.toString(), "--to", "postgresql://u@h/db"))
        .isEqualTo(2);
    assertThat(err()).contains(missing + " is not a file");
    assertThat(missing).doesNotExist();
  }

  @Test
  void anUnusableTargetUrlIsNamedWithoutItsPassword() {
    Path sqlite = installation();

    int status =
        db(Map.of(), "copy", "--from", sqlite.toString(), "--to", "postgresql://u:s3cr@e/t@h/db");

    assertThat(status).isEqualTo(2);
    assertThat(err()).contains("'--to'").contains("postgresql://u:***@h/db").doesNotContain("s3cr");
  }

  @Test
  void aSourceThatAGrappleStillHoldsIsRefusedNamingTheLock() {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabase();

    FileOwner running = FileOwner.claim(Location.sqlite(sqlite));
    int status;
    try {
      status = db(Map.of(), "copy", "--from", sqlite.toString(), "--to", url(target, true));
    } finally {
      running.close();
    }

    assertThat(status).isEqualTo(1);
    assertThat(err())
        .contains("in use by a Grapple (it holds " + sqlite.toAbsolutePath() + ".lock)")
        .contains("stop that Grapple first");
    assertThat(out()).doesNotContain("db copy: connections");
  }
}
