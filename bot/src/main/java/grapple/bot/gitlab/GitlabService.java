package grapple.bot.gitlab;

import grapple.bot.Active;
import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.Service;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.Batches;
import grapple.bot.forge.ForgeThreads;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Mentions;
import grapple.commands.Command;
import grapple.state.ForgeDeliveries;
import grapple.state.LinkedAccounts;
import grapple.state.Migration;
import grapple.state.OutboxStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * GitLab ({@code gitlab}, CONTRACT §11): rooms following projects on one or more GitLab instances,
 * GitLab's project and group hooks turned into hookshot's notices (plus issues and pipelines),
 * accounts linked by personal access token (sealed at rest), project setup that adds the hook
 * itself when it can, and room commands acting with the sender's account.
 */
public final class GitlabService implements Service {
  static final String NAME = "gitlab";

  /** The first step of this service's own tables (a service numbers its steps alone). */
  static final int MIGRATION_STEP = 1;

  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          Set.of(),
          List.of(GitlabRepos.EVENT_TYPE, GitlabRepos.LEGACY_EVENT_TYPE),
          List.of());

  @Override
  public ServiceInfo info() {
    return INFO;
  }

  @Override
  public ServiceSettings settings(Section section, Config config) {
    return GitlabSettings.read(section, config);
  }

  @Override
  public List<Migration> migrations() {
    return List.of(
        new Migration(
            MIGRATION_STEP, "gitlab: hooks the bot added, comment batches", GitlabHooks.TABLES));
  }

  @Override
  public Running start(ServiceSettings settings, ServiceContext context) {
    return new Started((GitlabSettings) settings, context);
  }

  /** The GitLab service at work. */
  private static final class Started implements Running {
    private final GitlabParts parts;
    private final GitlabRepos repos;
    private final GitlabCommands commands;
    private final ForgeDeliveries deliveries;
    private final CommentBatches comments;
    private final ForgeThreads threads = new ForgeThreads(NAME);

    Started(GitlabSettings settings, ServiceContext context) {
      GitlabClient client = new GitlabClient();
      LinkedAccounts linked =
          new LinkedAccounts(context.database(), context.secrets().get(), context.clock());
      this.parts =
          new GitlabParts(
              settings,
              client,
              new GitlabAccounts(linked, client),
              new GitlabHooks(context.database(), context.clock()),
              context);
      this.repos = new GitlabRepos(parts, new ProjectCommands(parts, threads.commands()));
      this.commands = new GitlabCommands(parts, repos);
      this.deliveries = new ForgeDeliveries(context.database(), context.clock());
      this.comments =
          new CommentBatches(
              context.database(), context.clock(), Duration.ofMillis(settings.commentDebounceMs()));
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(repos);
    }

    @Override
    public List<Command> commands() {
      return commands.commands();
    }

    @Override
    public void routes(Routes routes) {
      GitlabReceiver receiver = new GitlabReceiver(parts, repos, deliveries, comments);
      routes
          .webhooks()
          .addAsync(
              "POST",
              GitlabSettings.RECEIVER_PATH,
              GitlabReceiver.MAX_BODY_BYTES,
              receiver::receive);
    }

    /** The leader posts comment batches that have been quiet long enough, and forgets old ids. */
    @Override
    public void lead() {
      Duration period =
          Duration.ofMillis(
              Math.max(100, Math.min(1000, parts.settings().commentDebounceMs() / 2)));
      threads.every(period, period, "posting comments", this::postDueComments);
      threads.pruneEvery6Hours(deliveries);
    }

    /** Posts every due comment batch to the rooms following its project; one pass. */
    void postDueComments() {
      for (CommentBatches.Batch batch : comments.due()) {
        List<OutboxStore.Draft> drafts = new ArrayList<>();
        String path = GitlabMessages.projectPath(batch.payload());
        Mentions mentions = username -> parts.accounts().matrixUserFor(batch.instance(), username);
        for (Active active : repos.following(batch.instance(), path)) {
          GitlabMessages.comments(
                  batch.payload(), batch.bodies(), (GitlabRepoConfig) active.config(), mentions)
              .ifPresent(c -> drafts.add(Intake.draft(active.roomId(), c)));
        }
        Batches.post(parts.context().outbox(), drafts, comments.remove(batch));
      }
    }

    @Override
    public void close() {
      threads.close();
    }
  }
}
