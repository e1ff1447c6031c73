package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Administrators' identity links, one per login, against SQLite and PostgreSQL. */
class PeopleLinksTest extends OnBothDialects {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);

  private static PeopleLinks.Identity github(String linkId, String user, String login) {
    return new PeopleLinks.Identity(linkId, "github", "", user, login, null);
  }

  private static void insert(
      Database db, String linkId, String instance, String login, long createdAt) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO people_links (link_id, service, instance, matrix_user, login,"
                    + " login_key, forge_id, created_by, created_at)"
                    + " VALUES (?, 'gitlab', ?, '@u:x', ?, ?, NULL, 'test', ?)",
                linkId,
                instance,
                login,
                login.toLowerCase(java.util.Locale.ROOT),
                createdAt));
  }

  private static List<String> linkIds(Database db) {
    return db.read(
        c -> {
          List<String> out = new ArrayList<>();
          try (var rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT link_id || ' ' || instance || ' ' || login FROM people_links"
                          + " ORDER BY link_id")) {
            while (rs.next()) out.add(rs.getString(1));
          }
          return out;
        });
  }

  /**
   * Duplicates two instances stored before the unique index (the same login linked twice) are
   * removed by step 11, the newest kept: latest created_at, then the greatest link id, so every
   * instance and every run removes the same ones. Then the database refuses another.
   */
  @Test
  void step11KeepsTheNewestLinkOfALoginAndTheDatabaseRefusesASecond() throws Exception {
    Path old = Files.createDirectories(dir.resolve("old"));
    Location where = TestDatabases.location(dialect, old);
    List<Migration> throughStep9 = Migrations.core().subList(0, 9);
    try (Database before = Database.open(where, throughStep9)) {
      insert(before, "link-a", "lab", "Octocat", 100);
      insert(before, "link-b", "lab", "octocat", 200);
      insert(before, "link-c", "lab", "OCTOCAT", 200); // as new as link-b, and a greater id
      insert(before, "link-d", "lab", "octocat", 150);
      insert(before, "link-e", "other", "octocat", 50); // another instance: another login
      insert(before, "link-f", "lab", "hubot", 10);
    }

    try (Database after = Database.open(where, Migrations.core())) {
      assertThat(linkIds(after))
          .containsExactly("link-c lab OCTOCAT", "link-e other octocat", "link-f lab hubot");
      assertThatThrownBy(() -> insert(after, "link-g", "lab", "Hubot", 300))
          .isInstanceOf(StorageException.class);
      PeopleLinks links = new PeopleLinks(after, CLOCK);
      assertThat(links.matrixUserFor("gitlab", "lab", "octocat")).contains("@u:x");
    }
  }

  @Test
  void aSecondLinkOfALoginStoresNothingAndNamesTheTakenIdentity() {
    PeopleLinks links = new PeopleLinks(db, CLOCK);
    assertThat(links.create("link-1", List.of(github("link-1", "@a:x", "Octo")), "test")).isEmpty();

    Optional<PeopleLinks.Identity> taken =
        links.create(
            "link-2",
            List.of(
                new PeopleLinks.Identity("link-2", "gitea", "", "@b:x", "fresh", null),
                github("link-2", "@b:x", "octo")),
            "test");

    assertThat(taken).get().extracting(PeopleLinks.Identity::login).isEqualTo("octo");
    assertThat(links.adminLinks())
        .extracting(PeopleLinks.Identity::linkId)
        .containsExactly("link-1");
  }

  @Test
  void deletingALinkRemovesEveryIdentityOfItAndFreesItsLogins() {
    PeopleLinks links = new PeopleLinks(db, CLOCK);
    links.create(
        "link-1",
        List.of(
            github("link-1", "@a:x", "Octo"),
            new PeopleLinks.Identity("link-1", "gitea", "", "@a:x", "octo-tea", null)),
        "test");
    links.create("link-2", List.of(github("link-2", "@b:x", "hubot")), "test");

    List<PeopleLinks.Identity> removed = links.delete("link-1");

    assertThat(removed)
        .extracting(PeopleLinks.Identity::login)
        .containsExactlyInAnyOrder("Octo", "octo-tea");
    assertThat(links.delete("link-1")).isEmpty();
    assertThat(links.adminLinks())
        .extracting(PeopleLinks.Identity::linkId)
        .containsExactly("link-2");
    assertThat(links.matrixUserFor("github", "", "octo")).isEmpty();
    assertThat(links.create("link-3", List.of(github("link-3", "@c:x", "octo")), "test")).isEmpty();
  }

  /**
   * Two instances sharing one database link the same logins at the same moment: each login ends up
   * linked once, and exactly one of the two is told it was taken.
   */
  @Test
  void twoInstancesLinkingOneLoginAtOnceStoreItOnce() throws Exception {
    Assumptions.assumeTrue(dialect == Dialect.POSTGRESQL, "several instances share PostgreSQL");
    Database other = TestDatabases.reopen(db);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      PeopleLinks first = new PeopleLinks(db, CLOCK);
      PeopleLinks second = new PeopleLinks(other, CLOCK);
      for (int n = 0; n < 20; n++) {
        String login = "login-" + n;
        String ofA = "a-" + n;
        String ofB = "b-" + n;
        CyclicBarrier together = new CyclicBarrier(2);
        Future<Optional<PeopleLinks.Identity>> a =
            threads.submit(
                () -> {
                  together.await();
                  return first.create(ofA, List.of(github(ofA, "@a:x", login)), "a");
                });
        Future<Optional<PeopleLinks.Identity>> b =
            threads.submit(
                () -> {
                  together.await();
                  return second.create(ofB, List.of(github(ofB, "@b:x", login)), "b");
                });

        assertThat(List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS)))
            .as(login)
            .filteredOn(Optional::isEmpty)
            .hasSize(1);
      }
      assertThat(new PeopleLinks(db, CLOCK).adminLinks()).hasSize(20);
    } finally {
      threads.shutdownNow();
      other.close();
    }
  }

  /**
   * Naming the instance of links made before instances had names keeps one link per login: of an
   * unnamed link and a named one of the same login, the newest stays.
   */
  @Test
  void namingTheInstanceOfOldLinksKeepsTheNewestOfALogin() {
    insert(db, "link-old", "", "octocat", 100);
    insert(db, "link-new", "lab", "Octocat", 200);
    insert(db, "link-unnamed", "", "hubot", 100);
    insert(db, "link-named-older", "lab", "hubot", 50);

    int named = new PeopleLinks(db, CLOCK).nameInstance("gitlab", "lab");

    assertThat(named).isEqualTo(1);
    assertThat(linkIds(db)).containsExactly("link-new lab Octocat", "link-unnamed lab hubot");
  }
}
