package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The commands on a repository connection's prefix, each run with the sender's linked account. */
final class IssueActions {
  private static final int MAX_ASSIGNEES = 10;
  private static final int MAX_INPUTS = 10;

  private final GithubParts parts;

  IssueActions(GithubParts parts) {
    this.parts = parts;
  }

  /** Runs {@code verb}; returns the reply (Markdown). Throws BadInput for a mistake. */
  String run(
      GithubRepoConfig config, String sender, String verb, List<String> args, String prefix) {
    String token = token(sender);
    try {
      return switch (verb) {
        case "create" -> create(config, token, args);
        case "assign" -> assign(config, sender, token, args);
        case "close" -> close(config, token, args);
        case "workflow" -> workflow(config, token, args);
        default ->
            throw RoomCommands.unknown(
                prefix, verb, "repository", List.of("create", "assign", "close", "workflow"));
      };
    } catch (ForgeException e) {
      return parts.explainTo(sender, e, config.org() + "/" + config.repo());
    }
  }

  private String token(String sender) {
    try {
      return parts
          .accounts()
          .token(sender)
          .orElseThrow(() -> new BadInput("github", parts.notLinked()));
    } catch (ForgeException e) {
      throw new BadInput("github", refreshFailed(e));
    }
  }

  /**
   * Why the user's token could not be refreshed, and whose move it is: a refused OAuth client (its
   * secret rotated on GitHub but not in the config) is the operator's to fix, anything else passes.
   */
  static String refreshFailed(ForgeException e) {
    // The forge's words are shown literally, as ForgeException.said() shows them.
    String said = e.getMessage().strip();
    while (said.endsWith(".")) said = said.substring(0, said.length() - 1);
    String next =
        e.oauthError().isEmpty()
            ? "Try again later."
            : "GitHub refused the bot's OAuth app ("
                + Markdown.code(e.oauthError())
                + "): ask the bot's operator to check `github.oauth` in its config.";
    return "Your GitHub token could not be refreshed: " + Markdown.escape(said) + ". " + next;
  }

  private String create(GithubRepoConfig config, String token, List<String> args)
      throws ForgeException {
    if (args.isEmpty())
      throw new BadInput(
          "title", "Missing <title>. Usage: `create <title> [description] [labels]`");
    ObjectNode issue = Json.object().put("title", args.get(0));
    if (args.size() > 1) issue.put("body", args.get(1));
    List<String> labels = new ArrayList<>(config.newIssueLabels());
    if (args.size() > 2) {
      for (String label : args.get(2).split(",")) {
        if (!label.isBlank() && !labels.contains(label.strip())) labels.add(label.strip());
      }
    }
    if (!labels.isEmpty()) labels.forEach(issue.putArray("labels")::add);
    JsonNode created = parts.client().createIssue(token, config.org(), config.repo(), issue);
    return "Created issue "
        + link(config, created)
        + ": "
        + Markdown.escape(created.path("title").asText());
  }

  private String assign(GithubRepoConfig config, String sender, String token, List<String> args)
      throws ForgeException {
    List<String> rest = new ArrayList<>(args);
    Optional<Long> given = rest.isEmpty() ? Optional.empty() : number(rest.get(0));
    // Issue 0 is refused here, as close refuses it: GitHub's 404 would read as missing access.
    BadInput.check(
        given.isEmpty() || given.get() > 0,
        "number",
        "must be an issue number (1 or more, e.g. 12 or #12), was %s. Usage: `assign [number]"
            + " [users…]`",
        Markdown.code(rest.isEmpty() ? "" : rest.get(0)));
    if (given.isPresent()) rest.remove(0);
    long number = given.isPresent() ? given.get() : latest(config, token);
    // As hookshot's onAssign: one users argument may name several, separated by commas.
    if (rest.size() == 1) rest = commaList(rest.get(0));
    List<String> logins = new ArrayList<>();
    for (String who : rest.isEmpty() ? List.of(sender) : rest) logins.add(login(who));
    BadInput.check(
        logins.size() <= MAX_ASSIGNEES, "users", "at most %d users at once", MAX_ASSIGNEES);
    JsonNode issue =
        parts.client().addAssignees(token, config.org(), config.repo(), number, logins);
    return assigned(config, issue, logins);
  }

  /** The names in {@code text} separated by commas, stripped; blanks between commas are dropped. */
  private static List<String> commaList(String text) {
    List<String> names = new ArrayList<>();
    for (String name : text.split(",")) if (!name.isBlank()) names.add(name.strip());
    return names;
  }

  /**
   * GitHub silently leaves out assignees who may not be assigned (no access): say so rather than
   * claim them.
   */
  private static String assigned(GithubRepoConfig config, JsonNode issue, List<String> logins) {
    List<String> now = new ArrayList<>();
    issue
        .path("assignees")
        .forEach(a -> now.add(a.path("login").asText().toLowerCase(Locale.ROOT)));
    List<String> done =
        logins.stream().filter(l -> now.contains(l.toLowerCase(Locale.ROOT))).toList();
    List<String> left =
        logins.stream().filter(l -> !now.contains(l.toLowerCase(Locale.ROOT))).toList();
    String reply =
        done.isEmpty()
            ? "Assigned nobody to " + link(config, issue) + "."
            : "Assigned " + codes(done) + " to " + link(config, issue) + ".";
    if (left.isEmpty()) return reply;
    return reply
        + " GitHub did not assign "
        + codes(left)
        + ": they need access to "
        + config.org()
        + "/"
        + config.repo()
        + ".";
  }

  private static String codes(List<String> logins) {
    return String.join(", ", logins.stream().map(Markdown::code).toList());
  }

  private long latest(GithubRepoConfig config, String token) throws ForgeException {
    JsonNode latest = parts.client().latestIssues(token, config.org(), config.repo());
    if (!latest.isArray() || latest.isEmpty()) {
      throw new BadInput(
          "number", config.org() + "/" + config.repo() + " has no issues yet: give a number.");
    }
    return latest.get(0).path("number").asLong();
  }

  /** A GitHub login as given, or the login linked to a Matrix user id. */
  private String login(String who) {
    if (!who.startsWith("@") || !who.contains(":"))
      return who.startsWith("@") ? who.substring(1) : who;
    return parts
        .accounts()
        .loginOf(who)
        .orElseThrow(
            () ->
                new BadInput(
                    "users",
                    Markdown.code(who)
                        + " has not linked a GitHub account: name their GitHub login instead."));
  }

  private String close(GithubRepoConfig config, String token, List<String> args)
      throws ForgeException {
    if (args.isEmpty())
      throw new BadInput("number", "Missing <number>. Usage: `close <number> [comment]`");
    Optional<Long> given = number(args.get(0));
    // Told apart from a missing one: "close abc" or "close 0" names what it got and what it needs,
    // rather than "Missing <number>" (or GitHub's 404 for issue 0, read as missing access).
    BadInput.check(
        given.isPresent() && given.get() > 0,
        "number",
        "must be an issue number (1 or more, e.g. 12 or #12), was %s. Usage: `close <number>"
            + " [comment]`",
        Markdown.code(args.get(0)));
    long number = given.orElseThrow();
    if (args.size() > 1) {
      parts
          .client()
          .comment(
              token,
              config.org(),
              config.repo(),
              number,
              String.join(" ", args.subList(1, args.size())));
    }
    JsonNode issue =
        parts
            .client()
            .updateIssue(
                token, config.org(), config.repo(), number, Json.object().put("state", "closed"));
    return "Closed " + link(config, issue) + ".";
  }

  private String workflow(GithubRepoConfig config, String token, List<String> args)
      throws ForgeException {
    if (args.size() < 2 || !args.get(0).equalsIgnoreCase("run")) {
      throw new BadInput("workflow", "Usage: `workflow run <name> [k=v,k2=v2] [ref]`");
    }
    String name = args.get(1);
    JsonNode workflow = findWorkflow(config, token, name);
    Map<String, String> inputs = args.size() > 2 ? inputs(args.get(2)) : Map.of();
    String ref =
        args.size() > 3
            ? args.get(3)
            : parts
                .client()
                .repo(token, config.org(), config.repo())
                .path("default_branch")
                .asText("main");
    parts
        .client()
        .dispatchWorkflow(
            token, config.org(), config.repo(), workflow.path("id").asLong(), ref, inputs);
    return "Started the workflow "
        + Markdown.code(workflow.path("name").asText(name))
        + " on "
        + Markdown.code(ref)
        + ".";
  }

  private JsonNode findWorkflow(GithubRepoConfig config, String token, String name)
      throws ForgeException {
    // By name as hookshot finds it (ignoring case and surrounding spaces), or by file: its name
    // (ci.yml) or its path as GitHub lists and shows it (.github/workflows/ci.yml).
    String wanted = name.strip();
    for (JsonNode w : parts.client().workflows(token, config.org(), config.repo()).items()) {
      String file = w.path("path").asText("");
      boolean byName = w.path("name").asText("").strip().equalsIgnoreCase(wanted);
      if (byName || file.equals(wanted) || file.endsWith("/" + wanted)) return w;
    }
    throw new BadInput(
        "name",
        "No workflow "
            + Markdown.code(name)
            + " in "
            + config.org()
            + "/"
            + config.repo()
            + " (give its name, its file name, e.g. ci.yml, or its path,"
            + " .github/workflows/ci.yml).");
  }

  static Map<String, String> inputs(String text) {
    Map<String, String> inputs = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      BadInput.check(
          eq > 0, "inputs", "must be k=v pairs separated by commas, was %s", Markdown.code(pair));
      inputs.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
    }
    BadInput.check(inputs.size() <= MAX_INPUTS, "inputs", "at most %d inputs", MAX_INPUTS);
    return inputs;
  }

  private static String link(GithubRepoConfig config, JsonNode issue) {
    return RoomCommands.issueLink(
        config.org() + "/" + config.repo(),
        issue.path("number").asText(),
        issue.path("html_url").asText());
  }

  /** An issue number as typed: {@code 12} or {@code #12}. */
  private static Optional<Long> number(String text) {
    return text.matches("#?\\d{1,10}")
        ? Optional.of(Long.parseLong(text.replace("#", "")))
        : Optional.empty();
  }
}
