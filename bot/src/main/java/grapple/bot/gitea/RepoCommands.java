package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a {@code GiteaRepo} connection answers in its room: commands on its prefix ({@code !gt
 * create}, {@code close}, {@code help}), acting with the sender's linked account on the
 * connection's instance. Gitea is called on the room's commands thread, off the thread that reads
 * rooms (see {@link RoomCommands}).
 */
final class RepoCommands {

  private final GiteaParts parts;
  private final RoomCommands commands;

  RepoCommands(GiteaParts parts) {
    this.parts = parts;
    this.commands = new RoomCommands(parts.context(), GiteaService.NAME, null, RepoCommands::help);
  }

  /** What the connection with {@code config} answers in its room: its commands. */
  Followed.RoomAnswers answers(Connection connection, GiteaRepoConfig config) {
    return commands.answers(connection, config, config.commandPrefix(), this::run);
  }

  /** Runs {@code verb}; returns the reply. Throws BadInput for a mistake. */
  String run(GiteaRepoConfig config, String sender, String verb, List<String> args, String prefix) {
    String token =
        parts
            .accounts()
            .token(config.instance(), sender)
            .orElseThrow(() -> new BadInput("gitea", GiteaParts.notLinked(config.instance())));
    try {
      return switch (verb) {
        case "create" -> create(config, token, args);
        case "close" -> close(config, token, args);
        default ->
            throw RoomCommands.unknown(prefix, verb, "repository", List.of("create", "close"));
      };
    } catch (ForgeException e) {
      return GiteaParts.explain(e, config.instance(), config.fullName());
    }
  }

  private String create(GiteaRepoConfig config, String token, List<String> args)
      throws ForgeException {
    if (args.isEmpty() || args.get(0).isBlank())
      throw new BadInput(
          "title",
          "Missing <title>. Usage: `create <title> [description] [labels,comma,separated]`");
    BadInput.check(
        args.size() <= 3, "arguments", "at most a title, a description and labels (quote them)");
    ObjectNode issue = Json.object().put("title", args.get(0));
    if (args.size() > 1) issue.put("body", args.get(1));
    if (args.size() > 2) {
      List<Long> ids = labelIds(config, token, args.get(2));
      if (!ids.isEmpty()) ids.forEach(issue.putArray("labels")::add);
    }
    JsonNode created =
        parts.client().createIssue(base(config), token, config.owner(), config.repo(), issue);
    return "Created issue "
        + link(config, created)
        + ": "
        + Markdown.escape(created.path("title").asText());
  }

  /**
   * Gitea takes label ids: the names given (any case), looked up among the repository's labels and
   * its organisation's (the repository's first when both have the name); BadInput for an unknown
   * one.
   */
  private List<Long> labelIds(GiteaRepoConfig config, String token, String names)
      throws ForgeException {
    List<JsonNode> labels =
        parts.client().labels(base(config), token, config.owner(), config.repo());
    List<Long> ids = new ArrayList<>();
    for (String name : names.split(",")) {
      if (name.isBlank()) continue;
      Optional<JsonNode> found =
          labels.stream()
              .filter(label -> label.path("name").asText("").equalsIgnoreCase(name.strip()))
              .findFirst();
      if (found.isEmpty()) throw unknownLabel(config, name.strip(), labels);
      ids.add(found.get().path("id").asLong());
    }
    return ids;
  }

  /** How many of the labels there are an unknown label's refusal names. */
  private static final int MAX_NAMED_LABELS = 50;

  private static BadInput unknownLabel(GiteaRepoConfig config, String name, List<JsonNode> labels) {
    // Label names are anyone's with write access: shown literally, never as a link.
    List<String> known =
        labels.stream()
            .limit(MAX_NAMED_LABELS)
            .map(l -> Markdown.escape(l.path("name").asText()))
            .toList();
    String more =
        labels.size() > MAX_NAMED_LABELS
            ? " and " + (labels.size() - MAX_NAMED_LABELS) + " more"
            : "";
    return new BadInput(
        "labels",
        config.fullName()
            + " has no label "
            + Markdown.code(name)
            + " (labels: "
            + (known.isEmpty() ? "none" : String.join(", ", known) + more)
            + ").");
  }

  private String close(GiteaRepoConfig config, String token, List<String> args)
      throws ForgeException {
    long number = issueNumber(args);
    if (args.size() > 1) {
      String comment = String.join(" ", args.subList(1, args.size()));
      parts.client().comment(base(config), token, config.owner(), config.repo(), number, comment);
    }
    JsonNode issue =
        parts
            .client()
            .editIssue(
                base(config),
                token,
                config.owner(),
                config.repo(),
                number,
                Json.object().put("state", "closed"));
    return "Closed " + link(config, issue) + ".";
  }

  /**
   * The issue {@code close} names. A word that is no number (or 0, which Gitea answers with a 404
   * read as missing access) is named with what is needed, as on GitHub, not called missing.
   */
  static long issueNumber(List<String> args) {
    if (args.isEmpty() || args.get(0).isBlank())
      throw new BadInput("number", "Missing <number>. Usage: `close <number> [comment]`");
    String given = args.get(0);
    long number = given.matches("#?\\d{1,10}") ? Long.parseLong(given.replace("#", "")) : 0;
    BadInput.check(
        number > 0,
        "number",
        "must be an issue number (1 or more, e.g. 12 or #12), was %s. Usage: `close <number>"
            + " [comment]`",
        Markdown.code(given));
    return number;
  }

  private okhttp3.HttpUrl base(GiteaRepoConfig config) {
    return parts.settings().instance(config.instance(), "instance");
  }

  private static String link(GiteaRepoConfig config, JsonNode issue) {
    return RoomCommands.issueLink(
        config.fullName(), issue.path("number").asText(), issue.path("html_url").asText());
  }

  static String help(String prefix) {
    return RoomCommands.help(
        prefix,
        "Commands for this repository (with your linked Gitea account):",
        "create <title> [description] [labels,comma,separated]",
        "close <number> [comment]");
  }
}
