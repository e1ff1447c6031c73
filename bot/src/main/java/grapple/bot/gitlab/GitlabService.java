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
    GitlabClient client = new GitlabClient();
    GitlabParts parts =
        new GitlabParts(
            gitlab,
            client,
            new GitlabAccounts(base.linked(), base.people(), client),
            new GitlabHooks(context.database(), context.clock()),
            context);
    GitlabRepos repos = new GitlabRepos(parts, new ProjectCommands(parts));
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
                receiver::receive),
        threads ->
            threads.every(
                period,
                period,
                "posting comments",
                () -> postDue(comments, discussions, repos, parts)));
  }

  /**
   * Posts every due comment batch to the rooms following its project; one pass. In a room where one
   * of the batch's discussions has a thread, the notice goes into it, and the batch's other
   * discussions join that thread (in the same transaction); elsewhere the notice, once delivered,
   * starts the thread of each of them.
   */
  private static void postDue(
      CommentBatches comments,
      DiscussionThreads discussions,
      GitlabRepos repos,
      GitlabParts parts) {
    for (CommentBatches.Batch batch : comments.due()) {
      String path = GitlabMessages.projectPath(batch.payload());
      String project = GitlabRepoConfig.stateKey(batch.instance(), path);
      Mentions mentions = parts.accounts().on(batch.instance());
      List<OutboxStore.Draft> drafts = new ArrayList<>();
      List<Optional<String>> threads = new ArrayList<>();
      List<SqlWork<Void>> joined = new ArrayList<>();
      for (Active active : repos.following(batch.instance(), path)) {
        Optional<String> thread = discussions.rootOf(active.roomId(), project, batch.discussions());
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
        threads.add(thread);
        thread.ifPresent(
            root ->
                joined.add(
                    discussions.record(active.roomId(), project, batch.discussions(), root)));
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
      if (batch.discussions().isEmpty()) continue;
      for (int i = 0; i < drafts.size(); i++) {
        if (threads.get(i).isPresent()) continue;
        String roomId = drafts.get(i).target();
        delivered
            .get(i)
            .thenCompose(
                eventId ->
                    parts
                        .context()
                        .database()
                        .write(discussions.record(roomId, project, batch.discussions(), eventId)))
            .exceptionally(
                e -> {
                  log.debug("gitlab: no thread kept for a comment notice in {}", roomId, e);
                  return null;
                });
      }
    }
  }
}
