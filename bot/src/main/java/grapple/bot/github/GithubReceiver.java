package grapple.bot.github;

import static grapple.bot.forge.Intake.ACCEPTED;
import static grapple.bot.forge.Intake.now;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Signatures;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.state.ForgeDeliveries;
import grapple.state.Json;
import grapple.state.OutboxStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /github/webhook}: checks GitHub's signature on the raw bytes before anything else,
 * answers {@code ping}, and turns every other event into the messages of the rooms following its
 * repository. The messages and the delivery id are committed in one transaction before the 202, so
 * a delivery GitHub retries (same {@code X-GitHub-Delivery}) is posted once.
 */
final class GithubReceiver {
  private static final Logger log = LoggerFactory.getLogger(GithubReceiver.class);

  /** GitHub caps webhook payloads at 25 MB. */
  static final long MAX_BODY_BYTES = 25L * 1024 * 1024;

  /** How far back hookshot looks for the actor's comment on a close or reopen. */
  static final Duration CLOSING_COMMENT_WITHIN = Duration.ofMinutes(2);

  private final GithubParts parts;
  private final GithubRepos repos;
  private final Intake intake;
  private final LabelBatches labels;
  private final byte[] secret;

  /** GitHub as asked while a delivery waits: calls that give up soon. */
  private final GithubClient quick;

  /** Where a delivery whose messages need GitHub asked (a comment, a diff) is made into them. */
  private final Executor asking;

  /**
   * {@code asking}: bounded threads for the deliveries whose messages need GitHub asked, so that no
   * listener thread waits on GitHub.
   */
  GithubReceiver(
      GithubParts parts,
      GithubRepos repos,
      ForgeDeliveries deliveries,
      LabelBatches labels,
      Executor asking) {
    this.asking = asking;
    this.parts = parts;
    this.repos = repos;
    this.intake =
        new Intake(
            GithubService.NAME,
            " Redeliver it from the webhook's Recent Deliveries in GitHub.",
            parts.context(),
            deliveries);
    this.labels = labels;
    this.secret = parts.settings().webhookSecret().getBytes(StandardCharsets.UTF_8);
    this.quick = parts.client().quick();
  }

  /**
   * The 401 of a request whose {@code X-Hub-Signature-256} is missing or cannot be a signature,
   * answered before its body is read ({@link Intake#route}); empty when the signature is worth
   * checking against the body.
   */
  Optional<Response> unsigned(Request head) {
    return Signatures.wellFormed(head.header("X-Hub-Signature-256"))
        ? Optional.empty()
        : Optional.of(refused());
  }

  private static Response refused() {
    log.info("github: refused a webhook with a missing or wrong X-Hub-Signature-256");
    return Response.error(401, "Missing or wrong X-Hub-Signature-256");
  }

  CompletableFuture<Response> receive(Request request, byte[] body) {
    if (!Signatures.matches(secret, request.header("X-Hub-Signature-256"), body))
      return now(refused());
    Optional<String> event = request.header("X-GitHub-Event");
    if (event.isEmpty() || event.get().isBlank())
      return now(Response.error(400, "Missing X-GitHub-Event"));
    if (event.get().equals("ping")) return now(Response.json(200, Json.object().put("ok", true)));
    JsonNode payload;
    try {
      payload = Json.AUTHENTICATED.readTree(json(request, body)); // signed by GitHub, checked above
    } catch (IOException e) {
      return now(Response.error(400, "The body is not JSON"));
    } catch (IllegalArgumentException e) {
      return now(Response.error(400, "The form-encoded body has no payload field"));
    }
    String delivery =
        request
            .header("X-GitHub-Delivery")
            .filter(d -> !d.isBlank())
            .orElseGet(() -> Intake.digestId(body));
    return handle(event.get(), delivery, payload);
  }

  /**
   * The event's JSON ({@link Intake#json}: the signature covers the raw body either way).
   * IllegalArgumentException when a form-encoded body has no {@code payload} field.
   */
  static byte[] json(Request request, byte[] body) {
    return Intake.json(request.header("Content-Type"), body)
        .orElseThrow(() -> new IllegalArgumentException("no payload field"));
  }

  private CompletableFuture<Response> handle(String event, String delivery, JsonNode payload) {
    if (parts.app().isPresent()
        && (event.equals("installation") || event.equals("installation_repositories"))) {
      long installation = payload.path("installation").path("id").asLong(0);
      parts.app().get().installationChanged(installation);
      log.info(
          "github: the app's installation {} changed ({}); its tokens are asked for afresh",
          installation,
          payload.path("action").asText("?"));
    }
    String fullName = payload.path("repository").path("full_name").asText("");
    List<Active> following = fullName.isEmpty() ? List.of() : repos.following(fullName);
    if (following.isEmpty()) {
      Optional<CompletableFuture<Response>> told = movedRepository(event, delivery, payload);
      if (told.isPresent()) return told.get();
      log.debug(
          "github: {} event for {}: no room follows it",
          event,
          fullName.isEmpty() ? "no repository" : fullName);
      return now(ACCEPTED);
    }
    if (intake.taken(delivery)) return now(ACCEPTED);
    if (isLabelChange(event, payload, "labeled")) {
      // Labels given as the issue is opened show in the "created" notice already (as in hookshot).
      if (GithubMessages.labeledTooSoon(payload, parts.context().clock().instant()))
        return now(ACCEPTED);
      return batchLabel(event, delivery, payload, fullName);
    }
    if (isLabelChange(event, payload, "unlabeled"))
      return unbatchLabel(delivery, payload, fullName);
    String what = what(event, delivery, fullName);
    if (!asksGithub(event, payload, following))
      return intake.commitIfAny(drafts(event, payload, following, fullName, true), delivery, what);
    // A closing comment or a diff costs calls to GitHub (and maybe an installation token first):
    // made on the receiving threads, the listener's thread freed at once. Those busy, the messages
    // go without them rather than not at all (GitHub does not send a refused delivery again).
    CompletableFuture<List<OutboxStore.Draft>> drafts;
    try {
      drafts =
          CompletableFuture.supplyAsync(
              () -> drafts(event, payload, following, fullName, true), asking);
    } catch (RejectedExecutionException e) {
      log.info("github: {} posted without asking GitHub for more: too many waiting", what);
      return intake.commitIfAny(drafts(event, payload, following, fullName, false), delivery, what);
    }
    return drafts.thenCompose(made -> intake.commitIfAny(made, delivery, what));
  }

  /**
   * A repository renamed or transferred (its {@code repository} event, which a webhook or App that
   * sends repository events delivers): the rooms following it by its old name are told, once (the
   * delivery id claimed with the notices), that its events no longer reach them and how to follow
   * its new name. GitHub's deliveries carry the new name, which those rooms do not match (nor do
   * they in hookshot), so they went silent with no word why. Empty for any other event.
   */
  private Optional<CompletableFuture<Response>> movedRepository(
      String event, String delivery, JsonNode payload) {
    if (!event.equals("repository")) return Optional.empty();
    JsonNode repository = payload.path("repository");
    String name = repository.path("name").asText("");
    String owner = repository.path("owner").path("login").asText("");
    String action = payload.path("action").asText("");
    JsonNode changes = payload.path("changes");
    String oldOwner = owner;
    String oldName = name;
    if (action.equals("renamed")) {
      oldName = changes.path("repository").path("name").path("from").asText("");
    } else if (action.equals("transferred")) {
      JsonNode from = changes.path("owner").path("from");
      oldOwner =
          from.path("organization")
              .path("login")
              .asText(from.path("user").path("login").asText(""));
    } else {
      return Optional.empty();
    }
    if (owner.isEmpty() || name.isEmpty() || oldOwner.isEmpty() || oldName.isEmpty())
      return Optional.empty();
    String oldFullName = oldOwner + "/" + oldName;
    String newFullName = owner + "/" + name;
    List<Active> rooms = repos.following(oldFullName);
    if (rooms.isEmpty() || oldFullName.equalsIgnoreCase(newFullName)) return Optional.empty();
    if (intake.taken(delivery)) return Optional.of(now(ACCEPTED));
    String web = ForgeUrls.withoutSlashes(parts.client().webUrl().toString(), false);
    String command = parts.context().commandPrefix() + " github ";
    ObjectNode notice =
        grapple.bot.room.Messages.notice(
            "⚠️ GitHub repository "
                + grapple.commands.Markdown.code(oldFullName)
                + " is now "
                + grapple.commands.Markdown.code(newFullName)
                + ": its events no longer reach this room, which follows it by its old name. To"
                + " follow it again, send "
                + grapple.commands.Markdown.code(command + "remove " + web + "/" + oldFullName)
                + " then "
                + grapple.commands.Markdown.code(command + "repo " + web + "/" + newFullName)
                + ".");
    List<OutboxStore.Draft> drafts =
        rooms.stream()
            .map(a -> new OutboxStore.Draft(a.roomId(), "m.room.message", notice.deepCopy()))
            .toList();
    log.info(
        "github: {} is now {}; {} room(s) following the old name are told",
        oldFullName,
        newFullName,
        rooms.size());
    return Optional.of(intake.commit(drafts, delivery, what(event, delivery, oldFullName)));
  }

  /**
   * True when a following connection's message would need GitHub asked: a diff it shows, or the
   * closing comment (asked only with the app).
   */
  private boolean asksGithub(String event, JsonNode payload, List<Active> following) {
    boolean comment = parts.app().isPresent() && GithubMessages.wantsClosingComment(event, payload);
    for (Active active : following) {
      GithubRepoConfig config = (GithubRepoConfig) active.config();
      if (comment || GithubMessages.wantsDiff(event, payload, config)) return true;
    }
    return false;
  }

  /** An {@code issues} event whose {@code action} is {@code labeled} or {@code unlabeled}. */
  private static boolean isLabelChange(String event, JsonNode payload, String action) {
    return event.equals("issues")
        && payload.path("action").asText("").equals(action)
        && payload.path("label").path("name").isTextual();
  }

  private CompletableFuture<Response> batchLabel(
      String event, String delivery, JsonNode payload, String fullName) {
    long number = payload.path("issue").path("number").asLong();
    String label = payload.path("label").path("name").asText();
    var work = labels.add(fullName.toLowerCase(Locale.ROOT), number, event, payload, label);
    return intake.commit(work, delivery, what(event, delivery, fullName));
  }

  /**
   * A label taken off again: out of the issue's pending batch, as hookshot's onIssueUnlabeled does
   * (a label added and removed within the quiet time is not announced).
   */
  private CompletableFuture<Response> unbatchLabel(
      String delivery, JsonNode payload, String fullName) {
    long number = payload.path("issue").path("number").asLong();
    String label = payload.path("label").path("name").asText();
    var work = labels.unlabel(fullName.toLowerCase(Locale.ROOT), number, label);
    return intake.commit(work, delivery, what("issues", delivery, fullName));
  }

  /**
   * One message per following connection whose filters take the event. What costs a call to GitHub
   * (the diff, the closing comment) is fetched only for a connection that shows the event, and each
   * at most once, with calls that give up after {@link GithubClient#QUICK_CALL_TIMEOUT} (GitHub
   * waits 10 seconds for the answer to its delivery); nothing is asked unless {@code ask}.
   */
  List<OutboxStore.Draft> drafts(
      String event, JsonNode payload, List<Active> following, String fullName, boolean ask) {
    boolean wantsComment = ask && GithubMessages.wantsClosingComment(event, payload);
    AskedOnce<String> comment = new AskedOnce<>();
    AskedOnce<GithubClient.Diff> diff = new AskedOnce<>();
    int diffBytes = diffBytes(event, payload, following);
    return Intake.drafts(
        following,
        active -> {
          GithubRepoConfig config = (GithubRepoConfig) active.config();
          Optional<ObjectNode> plain =
              GithubMessages.render(
                  event, payload, config, parts.accounts(), GithubMessages.Extras.NONE);
          if (plain.isEmpty()) return plain;
          GithubMessages.Extras extras = GithubMessages.Extras.NONE;
          if (ask && GithubMessages.wantsDiff(event, payload, config)) {
            Optional<GithubClient.Diff> found = diff.get(() -> diff(payload, config, diffBytes));
            if (found.isPresent()) extras = extras.withDiff(found.get().text(), found.get().cut());
          }
          if (wantsComment) {
            Optional<String> found = comment.get(() -> closingComment(payload, fullName));
            if (found.isPresent()) extras = extras.withClosingComment(found.get());
          }
          if (extras.equals(GithubMessages.Extras.NONE)) return plain;
          return GithubMessages.render(event, payload, config, parts.accounts(), extras);
        });
  }

  /**
   * Something asked of GitHub for one event (the closing comment, the new PR's diff), asked the
   * first time a room needs it and kept for the others.
   */
  private static final class AskedOnce<T> {
    private boolean asked;
    private Optional<T> found = Optional.empty();

    Optional<T> get(Supplier<Optional<T>> ask) {
      if (!asked) {
        asked = true;
        found = ask.get();
      }
      return found;
    }
  }

  /** As much of the diff as the connection that shows most of it needs. */
  private static int diffBytes(String event, JsonNode payload, List<Active> following) {
    int lines = 0;
    for (Active active : following) {
      GithubRepoConfig config = (GithubRepoConfig) active.config();
      if (GithubMessages.wantsDiff(event, payload, config))
        lines = Math.max(lines, config.prDiff().maxLines());
    }
    return (int) Math.min(64L * 1024, lines * 400L);
  }

  /**
   * The actor's comment made with a close or reopen, as hookshot's onIssueStateChange and
   * onPRClosed find it: only with the app's installation token, among the issue's comments of the
   * last {@link #CLOSING_COMMENT_WITHIN}, the sender's latest. None when there is no app or the
   * fetch fails (the notice goes without, as in hookshot).
   */
  private Optional<String> closingComment(JsonNode payload, String fullName) {
    int slash = fullName.indexOf('/');
    if (parts.app().isEmpty() || slash < 0) return Optional.empty();
    String owner = fullName.substring(0, slash);
    String repo = fullName.substring(slash + 1);
    JsonNode item =
        payload.path("issue").isObject() ? payload.path("issue") : payload.path("pull_request");
    Instant since = parts.context().clock().instant().minus(CLOSING_COMMENT_WITHIN);
    try {
      Optional<JsonNode> comments =
          parts
              .app()
              .get()
              .onRepo(
                  owner,
                  repo,
                  quick,
                  token ->
                      quick.issueComments(token, owner, repo, item.path("number").asLong(), since));
      if (comments.isEmpty()) return Optional.empty();
      return latestBy(comments.get(), payload.path("sender").path("login").asText(""), since);
    } catch (ForgeException e) {
      log.warn(
          "github: no closing comment for {}#{}: {}",
          fullName,
          item.path("number").asLong(),
          e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The body of {@code login}'s latest comment (by {@code created_at}) among {@code comments}
   * updated at or after {@code since}.
   */
  static Optional<String> latestBy(JsonNode comments, String login, Instant since) {
    Optional<String> body = Optional.empty();
    Instant latest = Instant.MIN;
    for (JsonNode comment : comments) {
      if (login.isEmpty() || !comment.path("user").path("login").asText("").equals(login)) continue;
      Optional<Instant> created = instant(comment.path("created_at"));
      Optional<Instant> updated = instant(comment.path("updated_at")).or(() -> created);
      if (created.isEmpty() || updated.get().isBefore(since) || !comment.path("body").isTextual())
        continue;
      // GitHub lists them oldest first: of two made in the same second, the later one wins.
      if (!created.get().isBefore(latest)) {
        latest = created.get();
        body = Optional.of(comment.path("body").asText());
      }
    }
    return body;
  }

  private static Optional<Instant> instant(JsonNode text) {
    try {
      return Optional.of(Instant.parse(text.asText("")));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * The new PR's diff, fetched with the app's installation token, or without a token when there is
   * no app installed on the repository (hookshot fetches {@code diff_url} with no token at all: a
   * public repository's diff needs none); none when it cannot be had (the notice goes without).
   */
  private Optional<GithubClient.Diff> diff(
      JsonNode payload, GithubRepoConfig config, int maxBytes) {
    try {
      long number = payload.path("pull_request").path("number").asLong();
      Optional<GithubClient.Diff> withApp =
          parts.app().isPresent()
              ? parts
                  .app()
                  .get()
                  .onRepo(
                      config.org(),
                      config.repo(),
                      quick,
                      token ->
                          quick.pullRequestDiff(
                              Optional.of(token), config.org(), config.repo(), number, maxBytes))
              : Optional.empty();
      if (withApp.isPresent()) return withApp;
      return Optional.of(
          quick.pullRequestDiff(Optional.empty(), config.org(), config.repo(), number, maxBytes));
    } catch (ForgeException e) {
      log.debug(
          "github: no diff for a new pull request of {}/{}: {}",
          config.org(),
          config.repo(),
          e.getMessage());
      return Optional.empty();
    }
  }

  private static String what(String event, String delivery, String fullName) {
    return event + " event " + delivery + " for " + fullName;
  }
}
