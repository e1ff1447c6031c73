package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.MatrixProfiles;
import grapple.bot.forge.Batches;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.IdentityLinks;
import grapple.bot.room.RoomStates;
import grapple.state.BadInput;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Json;
import grapple.state.LinkedAccounts;
import grapple.state.Location;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.state.TestDatabases;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gitlab tables (its own migration step): comment batches and added hooks; and whom mentions
 * name through administrators' links; on both databases.
 */
@ParameterizedClass
@EnumSource(Dialect.class)
class GitlabStoresTest {
  @Parameter Dialect dialect;
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  private Database db;
  private CommentBatches batches;
  private GitlabHooks hooks;

  @BeforeEach
  void open() {
    Location where = TestDatabases.location(dialect, dir);
    db =
        Database.open(
            where, grapple.bot.Grapple.migrations(java.util.List.of(new GitlabService())));
    batches = new CommentBatches(db, clock, Duration.ofSeconds(5));
    hooks = new GitlabHooks(db, clock);
  }

  @AfterEach
  void close() {
    if (db != null) db.close(); // null: skipped for want of a PostgreSQL server
  }

  private void comment(String file, String text) {
    ObjectNode p = GitlabMessagesTest.payload(file);
    ((ObjectNode) p.path("object_attributes")).put("note", text);
    db.write(batches.add("example", p)).join();
  }

  @Test
  void commentsOfOnePersonOnOneItemGatherUntilItIsQuiet() {
    comment("client-go-0.123.0/webhooks/note_issue.json", "one");
    clock.advance(Duration.ofSeconds(3));
    comment("client-go-0.123.0/webhooks/note_issue.json", "two");
    comment("client-go-0.123.0/webhooks/note_merge_request.json", "on the MR");
    clock.advance(Duration.ofSeconds(4));
    assertThat(batches.due()).as("4 s after the last comments").isEmpty();
    clock.advance(Duration.ofSeconds(1));

    List<CommentBatches.Batch> due = batches.due();
    assertThat(due).hasSize(2);
    CommentBatches.Batch issue =
        due.stream().filter(b -> b.key().contains("/Issue/")).findFirst().orElseThrow();
    assertThat(issue.bodies()).containsExactly("one", "two");
    assertThat(issue.instance()).isEqualTo("example");
    assertThat(issue.key()).isEqualTo("example/gitlab-org/gitlab-test/Issue/17/user1");
    db.write(batches.remove(issue)).join();
    assertThat(batches.due()).hasSize(1);
  }

  /**
   * A discussion's thread: the first notice wins, the first of a batch's discussions with a thread
   * is the one used, another room has its own, and a room's project keeps its newest {@link
   * DiscussionThreads#KEPT} discussions.
   */
  @Test
  void discussionThreadsKeepTheFirstNoticeAndTheNewestHundredDiscussions() {
    DiscussionThreads threads = new DiscussionThreads(db, clock);
    String project = "example/group/app";
    db.write(threads.record("!a:x", project, List.of("d0", "d1"), "$first")).join();
    db.write(threads.record("!a:x", project, List.of("d1", "d2"), "$second")).join();
    assertThat(threads.rootOf("!a:x", project, List.of("d9", "d1", "d2"))).contains("$first");
    assertThat(threads.rootOf("!a:x", project, List.of("d2"))).contains("$second");
    assertThat(threads.rootOf("!b:x", project, List.of("d1"))).isEmpty();
    assertThat(threads.rootOf("!a:x", "example/group/other", List.of("d1"))).isEmpty();

    for (int i = 0; i < DiscussionThreads.KEPT; i++) {
      clock.advance(Duration.ofSeconds(1));
      db.write(threads.record("!a:x", project, List.of("n" + i), "$n" + i)).join();
    }
    assertThat(threads.rootOf("!a:x", project, List.of("d0"))).as("the oldest went").isEmpty();
    assertThat(threads.rootOf("!a:x", project, List.of("n0"))).contains("$n0");
    assertThat(threads.rootOf("!a:x", project, List.of("n99"))).contains("$n99");
  }

  /**
   * A notice that starts a discussion's thread is committed with a placeholder: until its event id
   * is known, a reply in that discussion waits (starting) instead of being posted on its own; a
   * placeholder an earlier run left (its delivery not heard: a crash) or one pending too long
   * counts as none, and the next notice takes its place; a refused notice leaves none.
   */
  @Test
  void aThreadStartNotYetDeliveredMakesRepliesWaitUnlessItWasLost() {
    DiscussionThreads threads = new DiscussionThreads(db, clock);
    String project = "example/group/app";
    String first = threads.placeholder();
    db.write(threads.starting("!a:x", project, List.of("d1", "d2"), first)).join();
    assertThat(threads.find("!a:x", project, List.of("d2")).starting()).isTrue();
    assertThat(threads.find("!a:x", project, List.of("d9", "d1")).starting()).isTrue();
    assertThat(threads.find("!b:x", project, List.of("d1")))
        .isEqualTo(DiscussionThreads.Found.NONE);
    assertThat(new DiscussionThreads(db, clock).find("!a:x", project, List.of("d1")))
        .as("after a restart")
        .isEqualTo(DiscussionThreads.Found.NONE);
    db.write(threads.delivered("!a:x", project, first, "$root")).join();
    assertThat(threads.find("!a:x", project, List.of("d1", "d2")).root()).contains("$root");

    String lost = threads.placeholder();
    db.write(threads.starting("!a:x", project, List.of("d3"), lost)).join();
    clock.advance(DiscussionThreads.PENDING_FOR.plusSeconds(1));
    assertThat(threads.find("!a:x", project, List.of("d3")))
        .isEqualTo(DiscussionThreads.Found.NONE);
    String next = threads.placeholder();
    db.write(threads.starting("!a:x", project, List.of("d3"), next)).join();
    db.write(threads.delivered("!a:x", project, lost, "$late")).join();
    assertThat(threads.find("!a:x", project, List.of("d3")).starting()).isTrue();
    db.write(threads.notDelivered("!a:x", project, next)).join();
    assertThat(threads.find("!a:x", project, List.of("d3")))
        .isEqualTo(DiscussionThreads.Found.NONE);
  }

  /** A batch keeps the discussions of its comments, each once, and the approver's last action. */
  @Test
  void aBatchKeepsItsDiscussionsAndTheLastApproval() {
    for (String d : List.of("d1", "d2", "d1")) {
      ObjectNode p =
          GitlabMessagesTest.payload("client-go-0.123.0/webhooks/note_merge_request.json");
      ((ObjectNode) p.path("object_attributes")).put("discussion_id", d);
      ((ObjectNode) p.path("user")).put("username", "user1");
      db.write(batches.add("example", p)).join();
    }
    for (String action : List.of("approved", "unapproved")) {
      ObjectNode mr = GitlabMessagesTest.payload("client-go-0.123.0/webhooks/merge_request.json");
      ((ObjectNode) mr.path("object_attributes")).put("action", action);
      mr.set(
          "project",
          GitlabMessagesTest.payload("client-go-0.123.0/webhooks/note_merge_request.json")
              .get("project"));
      db.write(batches.addApproval("example", mr)).join();
    }
    clock.advance(Duration.ofSeconds(6));

    CommentBatches.Batch batch = batches.due().get(0);
    assertThat(batch.discussions()).containsExactly("d1", "d2");
    assertThat(batch.bodies()).hasSize(3);
    assertThat(batch.approval()).isEqualTo("unapproved");
  }

  /**
   * Two instances (PostgreSQL) taking in comments of one batch at once: each comment is kept. Each
   * read the texts, then wrote them back with its own added: the one that committed second wrote
   * over the first's comment, and a review sent to a load-balanced pair lost comments.
   */
  @Test
  void commentsTakenInByTwoInstancesAtOnceAreAllKept() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dialect == Dialect.POSTGRESQL, "two instances");
    try (Database other =
        Database.open(
            db.location(),
            grapple.bot.Grapple.migrations(java.util.List.of(new GitlabService())))) {
      CommentBatches there = new CommentBatches(other, clock, Duration.ofSeconds(5));
      java.util.List<String> sent = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        ObjectNode a = GitlabMessagesTest.payload("client-go-0.123.0/webhooks/note_issue.json");
        ((ObjectNode) a.path("object_attributes")).put("note", "here " + i);
        ObjectNode b = GitlabMessagesTest.payload("client-go-0.123.0/webhooks/note_issue.json");
        ((ObjectNode) b.path("object_attributes")).put("note", "there " + i);
        var first = db.write(batches.add("example", a));
        var second = other.write(there.add("example", b));
        first.join();
        second.join();
        sent.add("here " + i);
        sent.add("there " + i);
      }
      clock.advance(Duration.ofSeconds(6));
      List<String> kept = batches.due().get(0).bodies().stream().filter(t -> !t.isEmpty()).toList();
      assertThat(batches.due().get(0).bodies()).hasSize(80);
      assertThat(kept).hasSize(50).isSubsetOf(sent);
    }
  }

  @Test
  void aBatchThatGrewWhileItWasPostedIsNotRemoved() {
    comment("client-go-0.123.0/webhooks/note_issue.json", "one");
    clock.advance(Duration.ofSeconds(6));
    CommentBatches.Batch seen = batches.due().get(0);
    comment("client-go-0.123.0/webhooks/note_issue.json", "two");

    assertThatThrownBy(() -> db.write(batches.remove(seen)).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(Batches.Superseded.class);
    clock.advance(Duration.ofSeconds(6));
    assertThat(batches.due().get(0).bodies()).containsExactly("one", "two");
  }

  @Test
  void theHookTheBotAddedIsRememberedPerProjectUntilRemoved() {
    assertThat(hooks.hookOf("work", "Group/App")).isEmpty();
    hooks.added("work", "Group/App", 41);
    hooks.added("work", "group/app", 42);
    assertThat(hooks.hookOf("work", "group/APP")).contains(42L);
    assertThat(hooks.hookOf("other", "group/app")).isEmpty();
    hooks.removed("work", "group/app", 42);
    assertThat(hooks.hookOf("work", "group/app")).isEmpty();
  }

  /**
   * A removal forgets the hook it read: another room's follow that recorded a new hook since (the
   * old one found deleted on GitLab) keeps its record, which was erased with the old one.
   */
  @Test
  void forgettingAHookKeepsANewerOneRecordedSince() {
    hooks.added("work", "group/app", 41);
    hooks.added("work", "group/app", 42);

    hooks.removed("work", "group/app", 41);

    assertThat(hooks.hookOf("work", "group/app")).contains(42L);
  }

  private GitlabAccounts accounts() {
    return new GitlabAccounts(
        new LinkedAccounts(db, SecretBox.of(new byte[32]), clock),
        new PeopleLinks(db, clock),
        null);
  }

  /** An administrator's link, made as the links API makes it, with GitLab's {@code instances}. */
  private void linkedByAnAdministrator(Set<String> instances, ObjectNode gitlab) {
    PeopleLinks people = new PeopleLinks(db, clock);
    IdentityLinks links =
        new IdentityLinks(
            people,
            new MatrixProfiles(new RoomStates(), null, people),
            Map.of("gitlab", instances));
    ObjectNode body = Json.object();
    body.putObject("matrix").put("userId", "@maria:example.org");
    body.set("gitlab", gitlab);
    links.create(new Caller("ops", Set.of(Caller.LINK), List.of()), body);
  }

  @Test
  void anAdministratorsLinkMentionsTheMatrixUserOnTheOnlyInstance() {
    linkedByAnAdministrator(Set.of("gitlab"), Json.object().put("login", "maria"));

    assertThat(accounts().on("gitlab").matrixUserFor("Maria")).contains("@maria:example.org");
  }

  @Test
  void anAdministratorsLinkNamesItsInstanceWhenThereAreSeveral() {
    assertThatThrownBy(
            () -> linkedByAnAdministrator(Set.of("work", "home"), Json.object().put("login", "m")))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("gitlab.instance")
        .hasMessageContaining("home, work");
    assertThatThrownBy(
            () ->
                linkedByAnAdministrator(
                    Set.of("work", "home"), Json.object().put("login", "m").put("instance", "x")))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("gitlab.instance");

    linkedByAnAdministrator(
        Set.of("work", "home"), Json.object().put("login", "maria").put("instance", "work"));

    assertThat(accounts().on("work").matrixUserFor("maria")).contains("@maria:example.org");
    assertThat(accounts().on("home").matrixUserFor("maria")).isEmpty();
  }
}
