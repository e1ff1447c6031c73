package grapple.bot.gitlab;

import grapple.bot.AbstractService;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.forge.Batches;
import grapple.bot.forge.ForgeRunning;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Mentions;
import grapple.state.Migration;
import grapple.state.OutboxStore;
import grapple.state.PeopleLinks;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * GitLab ({@code gitlab}, CONTRACT §11): rooms following projects on one or more GitLab instances,
 * GitLab's project and group hooks turned into hookshot's notices (plus issues and pipelines),
 * accounts linked by personal access token (sealed at rest), project setup that adds the hook
 * itself when it can, and room commands acting with the sender's account.
 */
public final class GitlabService extends AbstractService<GitlabSettings> {
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
            MIGRATION_STEP, "gitlab: hooks the bot added, comment batches", GitlabHooks.TABLES));
  }

  @Override
  protected Running run(GitlabSettings gitlab, ServiceContext context) {
    ForgeRunning.Base base = ForgeRunning.Base.of(NAME, context);
    GitlabClient client = new GitlabClient();
    GitlabParts parts =
        new GitlabParts(
            gitlab,
            client,
            new GitlabAccounts(
                base.linked(), new PeopleLinks(context.database(), context.clock()), client),
            new GitlabHooks(context.database(), context.clock()),
            context);
    GitlabRepos repos = new GitlabRepos(parts, new ProjectCommands(parts));
    CommentBatches comments =
        new CommentBatches(
            context.database(), context.clock(), Duration.ofMillis(gitlab.commentDebounceMs()));
    GitlabReceiver receiver = new GitlabReceiver(parts, repos, base.deliveries(), comments);
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
                period, period, "posting comments", () -> postDue(comments, repos, parts)));
  }

  /** Posts every due comment batch to the rooms following its project; one pass. */
  private static void postDue(CommentBatches comments, GitlabRepos repos, GitlabParts parts) {
    for (CommentBatches.Batch batch : comments.due()) {
      String path = GitlabMessages.projectPath(batch.payload());
      Mentions mentions = parts.accounts().on(batch.instance());
      List<OutboxStore.Draft> drafts =
          Intake.drafts(
              repos.following(batch.instance(), path),
              active ->
                  GitlabMessages.comments(
                      batch.payload(),
                      batch.bodies(),
                      (GitlabRepoConfig) active.config(),
                      mentions));
      Batches.post(parts.context().outbox(), drafts, comments.remove(batch));
    }
  }
}
