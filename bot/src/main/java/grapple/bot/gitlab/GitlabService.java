package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.AbstractService;
import grapple.bot.Active;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.forge.Batches;
import grapple.bot.forge.ForgeRunning;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Mentions;
import grapple.state.Migration;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GitLab ({@code gitlab}, CONTRACT §11): rooms following projects on one or more GitLab instances,
 * GitLab's project and group hooks turned into hookshot's notices (plus issues and pipelines),
 * accounts linked by personal access token (sealed at rest), project setup that adds the hook
 * itself when it can, and room commands acting with the sender's account.
 */
public final class GitlabService extends AbstractService<GitlabSettings> {
  private static final Logger log = LoggerFactory.getLogger(GitlabService.class);
  static final String NAME = "gitlab";

  /** The first step of this service's own tables (a service numbers its steps alone). */
  static final int MIGRATION_STEP = 1;

  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "GitLab",
          Set.of(),
          List.of(GitlabRepos.TYPE),
          List.of(GitlabRepos.EVENT_TYPE, GitlabRepos.LEGACY_EVENT_TYPE),
          List.of());

  public GitlabService() {
    super(INFO, GitlabSettings::read, GitlabSettings.class);
  }

  @Override
  public List<Migration> migrations() {
    return List.of(
        new Migration(
            MIGRATION_STEP, "gitlab: hooks the bot added, comment batches", GitlabHooks.TABLES),
        new Migration(
            MIGRATION_STEP + 1,
            "gitlab: the Matrix thread of each MR and issue discussion",
            DiscussionThreads.TABLES));
  }

  @Override
  protected Running run(GitlabSettings gitlab, ServiceContext context) {
    ForgeRunning.Base base = ForgeRunning.Base.of(NAME, context);
    GitlabClient client = new GitlabClient(context.clock());
    GitlabParts parts =
        new GitlabParts(
            gitlab,
            client,
            new GitlabAccounts(base.linked(), base.people(), client),
            new GitlabHooks(context.database(), context.clock()),
            context);
    GitlabRepos repos = new GitlabRepos(parts, new ProjectCommands(parts), base.threads());
    CommentBatches comments =
        new CommentBatches(
            context.database(), context.clock(), Duration.ofMillis(gitlab.commentDebounceMs()));
    GitlabReceiver receiver = new GitlabReceiver(parts, repos, base.deliveries(), comments);
    DiscussionThreads discussions = new DiscussionThreads(context.database(), context.clock());
    // The leader posts comment batches that have been quiet long enough.
    Duration period =
        Duration.ofMillis(Math.max(100, Math.min(1000, gitlab.commentDebounceMs() / 2)));
    return new ForgeRunning(
        base,
        repos,
        new GitlabCommands(parts, repos).commands(),
        routes ->
            Intake.route(
                routes,
                GitlabSettings.RECEIVER_PATH,
                GitlabReceiver.MAX_BODY_BYTES,
                receiver::unsigned,
                receiver::receive),
        threads ->
            threads.every(
                period,
                period,
                "posting comments",
                () -> postDue(comments, discussions, repos, parts)));
  }

  /**
   * How long a batch waiting for the notice that starts its discussion's thread is put off at a
   * time.
   */
  static final Duration THREAD_WAIT = Duration.ofSeconds(1);

  /**
   * Posts every due comment batch to the rooms following its project; one pass. In a room where one
   * of the batch's discussions has a thread, the notice goes into it, and the batch's other
   * discussions join that thread (in the same transaction); elsewhere the notice starts the thread
   * of each of them, its placeholder committed with it and its event id put in once delivered. A
   * batch due while a notice that starts one of its threads has not reached a room yet waits for
   * it, as hookshot awaits that notice's sending: it was posted on its own, not in the thread.
   */
  private static void postDue(
      CommentBatches comments,
      DiscussionThreads discussions,
      GitlabRepos repos,
      GitlabParts parts) {
    batches:
    for (CommentBatches.Batch batch : comments.due()) {
      String path = GitlabMessages.projectPath(batch.payload());
      String project = GitlabRepoConfig.stateKey(batch.instance(), path);
      Mentions mentions = parts.accounts().on(batch.instance());
      List<Active> following = repos.following(batch.instance(), path);
      List<DiscussionThreads.Found> found = new ArrayList<>();
      for (Active active : following) {
        DiscussionThreads.Found f = discussions.find(active.roomId(), project, batch.discussions());
        if (f.starting()) {
          comments.postpone(batch, THREAD_WAIT);
          continue batches;
        }
        found.add(f);
      }
      // Only the instance that delivers hears of deliveries: elsewhere no placeholder is kept.
      boolean tracked = !batch.discussions().isEmpty() && parts.context().outbox().delivering();
      List<OutboxStore.Draft> drafts = new ArrayList<>();
      List<Optional<String>> placeholders = new ArrayList<>();
      List<SqlWork<Void>> joined = new ArrayList<>();
      for (int r = 0; r < following.size(); r++) {
        Active active = following.get(r);
        Optional<String> thread = found.get(r).root();
        Optional<ObjectNode> content =
            GitlabMessages.comments(
                batch.payload(),
                batch.bodies(),
                batch.approval(),
                (GitlabRepoConfig) active.config(),
                mentions,
                thread);
        if (content.isEmpty()) continue;
        drafts.add(Intake.draft(active.roomId(), content.get()));
        Optional<String> placeholder =
            thread.isEmpty() && tracked ? Optional.of(discussions.placeholder()) : Optional.empty();
        placeholders.add(placeholder);
        if (thread.isPresent())
          joined.add(
              discussions.record(active.roomId(), project, batch.discussions(), thread.get()));
        placeholder.ifPresent(
            p ->
                joined.add(discussions.starting(active.roomId(), project, batch.discussions(), p)));
      }
      SqlWork<Void> remove = comments.remove(batch);
      List<CompletableFuture<String>> delivered;
      try {
        delivered =
            parts
                .context()
                .outbox()
                .postAllDelivered(
                    drafts,
                    c -> {
                      remove.run(c);
                      for (SqlWork<Void> work : joined) work.run(c);
                      return null;
                    })
                .join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof Batches.Superseded) continue; // it waits for its quiet time
        throw e;
      }
      for (int i = 0; i < drafts.size(); i++) {
        if (placeholders.get(i).isEmpty()) continue;
        String placeholder = placeholders.get(i).get();
        String roomId = drafts.get(i).target();
        delivered
            .get(i)
            .handle(
                (eventId, failure) ->
                    parts
                        .context()
                        .database()
                        .write(
                            failure == null
                                ? discussions.delivered(roomId, project, placeholder, eventId)
                                : discussions.notDelivered(roomId, project, placeholder)))
            .thenCompose(write -> write)
            .exceptionally(
                e -> {
                  log.debug("gitlab: no thread kept for a comment notice in {}", roomId, e);
                  return null;
                });
      }
    }
  }
}
