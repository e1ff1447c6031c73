package grapple.bot.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.CliArgs;
import grapple.bot.console.ConsoleGateway;
import grapple.state.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * {@code java -jar grapple.jar api ...}: the JSON-RPC client of the seed ({@code rhodecode-api}).
 * Saves the key and host with {@code _create_config}, sends {@code <method> [name:value ...]},
 * prints what it sends (key masked) and what Grapple said; exit 0 when {@code error} is null, 1 for
 * every failure.
 */
public final class ApiCli {
  public static final int EXIT_OK = 0;

  /**
   * Every failure: an error from Grapple, a mistake on the command line, no saved config, Grapple
   * unreachable. The contract promises scripts 0 when {@code error} is null and 1 otherwise; the
   * message on stderr (or the answer on stdout) says which.
   */
  public static final int EXIT_FAILURE = 1;

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMPLETION_TIMEOUT = Duration.ofSeconds(3);
  private static final String MASK = "********";

  static final String USAGE =
      """
      Usage: java -jar grapple.jar api _create_config --apikey=<key> --apihost=<url>
             java -jar grapple.jar api [--apikey=<key>] [--apihost=<url>] [--format=text|json] \
      <method> [name:value ...]
             java -jar grapple.jar api _completion bash
             java -jar grapple.jar api --help

        _create_config  save the key and host to $XDG_CONFIG_HOME/grapple/api.json (mode 0600)
        --apikey        the provisioning secret or a key of provisioning.tokens (overrides the saved);
                        without it, $GRAPPLE_API_KEY (kept out of ps and shell history)
        --apihost       Grapple's provisioning listener, e.g. http://127.0.0.1:9001 (overrides)
        --format json   print only the response, as JSON, for scripts
        name:value      an arg; the value is JSON when it parses as JSON, else a string
        _completion     print a bash completion script: eval "$(grapple api _completion bash)"

      Exit status: 0 when Grapple answered without error, 1 for every failure (Grapple answered
      an error, a mistake on this command line, no saved config, Grapple could not be reached).
      """;

  private final Map<String, String> env;
  private final Terminal out;
  private final Terminal err;

  ApiCli(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = new Terminal(out);
    this.err = new Terminal(err);
  }

  /** Runs {@code args} (after {@code api}); returns the exit status. */
  public static int run(
      List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    return new ApiCli(env, out, err).run(args);
  }

  /** The command line, parsed: options, then the method and its args. */
  record Line(
      @Nullable String apikey,
      @Nullable String apihost,
      boolean json,
      boolean help,
      List<String> words) {
    static Line parse(List<String> args) {
      String apikey = null;
      String apihost = null;
      boolean json = false;
      boolean help = false;
      List<String> words = new ArrayList<>();
      Set<String> given = new HashSet<>();
      CliArgs cli = new CliArgs(args, 0);
      while (cli.hasNext()) {
        String arg = cli.next();
        String name = CliArgs.name(arg);
        boolean option =
            name.equals("--apikey") || name.equals("--apihost") || name.equals("--format");
        if (!option) {
          if (arg.equals("--help") || arg.equals("-h")) help = true;
          // Only the name: the value of a misspelt --apikey is a key, never printed.
          else if (arg.startsWith("--"))
            throw new IllegalArgumentException("unknown option '" + name + "'");
          else words.add(arg);
          continue;
        }
        // Twice (a script's --apihost=$PROD, then one more): which one counts would be a guess,
        // and the key goes wherever it is; refused as an arg given twice is. Named without values.
        if (!given.add(name))
          throw new IllegalArgumentException(name + " is given twice; give it once");
        String value = cli.value(arg);
        switch (name) {
          case "--apikey" -> apikey = value;
          case "--apihost" -> apihost = value;
          default -> {
            if (!value.equals("json") && !value.equals("text"))
              throw new IllegalArgumentException(
                  "--format must be json or text, was '" + value + "'");
            json = value.equals("json");
          }
        }
      }
      return new Line(apikey, apihost, json, help, List.copyOf(words));
    }
  }

  int run(List<String> args) {
    Line line;
    try {
      line = Line.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("grapple api: " + e.getMessage() + "\n\n" + USAGE);
      return EXIT_FAILURE;
    }
    if (line.help() || line.words().isEmpty() || line.words().get(0).equals("help")) {
      out.println(USAGE);
      out.print(ApiHelp.methods(listingOnly().methods()));
      return line.help() || !line.words().isEmpty() ? EXIT_OK : EXIT_FAILURE;
    }
    String first = line.words().get(0);
    try {
      return switch (first) {
        case "_create_config" -> createConfig(line);
        case "_completion" -> completion(line);
        default -> call(line);
      };
    } catch (IllegalArgumentException e) {
      err.println("grapple api: " + e.getMessage());
      return EXIT_FAILURE;
    }
  }

  private int createConfig(Line line) {
    // Whitespace around a key is not part of it (Grapple ignores it too): a key pasted with its
    // line break is saved without it, and a blank one is no key.
    String key = givenKey(line);
    if (key == null || key.isBlank() || line.apihost() == null)
      throw new IllegalArgumentException(
          "_create_config needs both --apikey=<key> (or $" + KEY_ENV + ") and --apihost=<url>");
    ApiConfig config = new ApiConfig(key.strip(), ApiConfig.checkedHost(line.apihost().strip()));
    Path file = ApiConfig.file(env);
    try {
      config.save(file);
    } catch (IOException e) {
      err.println("grapple api: cannot write " + file + ": " + e.getMessage());
      return EXIT_FAILURE;
    }
    out.println("Wrote the key and host for " + config.apihost() + " to " + file + " (mode 0600).");
    return EXIT_OK;
  }

  /**
   * The saved config with the command line's overrides; throws when something is missing. With both
   * {@code --apikey} and {@code --apihost} given the file is not read: a broken or unreadable one
   * does not stand in the way of a call that needs nothing from it.
   */
  private ApiConfig config(Line line) {
    Path file = ApiConfig.file(env);
    // `--apikey=$KEY` with KEY unset: sent, it read as no key at all ("Missing `api_key` in JSON
    // DATA."), which says nothing of the command line.
    String option = line.apikey();
    if (option != null && option.isBlank()) {
      throw new IllegalArgumentException(
          "--apikey is empty (an unset shell variable?): give the key, or leave --apikey out to use $"
              + KEY_ENV
              + " or the saved key");
    }
    String given = givenKey(line);
    ApiConfig saved = null;
    if (given == null || line.apihost() == null) {
      try {
        saved = ApiConfig.load(file);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
      }
    }
    String key = given != null ? given : saved == null ? null : saved.apikey();
    String host = line.apihost() != null ? line.apihost() : saved == null ? null : saved.apihost();
    if (key == null || host == null) {
      throw new IllegalArgumentException(
          "no "
              + (key == null ? "API key" : "API host")
              + ": run `grapple api _create_config --apikey=<key> --apihost=<url>` (it saves to "
              + file
              + ") or give --apikey (or $"
              + KEY_ENV
              + ") and --apihost");
    }
    // A host read from the file is named so: "--apihost must be ..." would blame an option not
    // given, and giving it would leave the file as broken.
    String what =
        line.apihost() != null
            ? "--apihost"
            : "the apihost saved in " + file + " (run _create_config again, or give --apihost)";
    return new ApiConfig(key, ApiConfig.checkedHost(host, what));
  }

  /**
   * The environment variable a key may come from instead of {@code --apikey}: a command line shows
   * in {@code ps} to every user of the machine and stays in shell history.
   */
  static final String KEY_ENV = "GRAPPLE_API_KEY";

  /** {@code --apikey}, else a non-blank {@link #KEY_ENV}; null when neither is given. */
  private @Nullable String givenKey(Line line) {
    if (line.apikey() != null) return line.apikey();
    String fromEnv = env.get(KEY_ENV);
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
  }

  private int call(Line line) {
    ApiConfig config = config(line);
    String method = line.words().get(0);
    ObjectNode args = args(line.words().subList(1, line.words().size()));
    ObjectNode request = Json.object().put("api_key", config.apikey());
    request.put("id", ThreadLocalRandom.current().nextInt(1, 1000));
    request.set("args", args);
    request.put("method", method);
    if (!line.json()) {
      ObjectNode shown = request.deepCopy().put("api_key", MASK);
      out.println("calling " + Json.write(shown) + " to " + config.apihost());
    }
    JsonNode answer;
    try {
      answer = ApiCall.post(config, request, CALL_TIMEOUT);
    } catch (ApiCall.NotAnAnswer e) {
      err.println("grapple api: " + config.endpoint() + " answered " + e.getMessage());
      return EXIT_FAILURE;
    } catch (IOException e) {
      // The HTTP client's error may quote the server (a status line it cannot read), as written.
      err.println("grapple api: cannot reach " + config.endpoint() + ": " + e.getMessage());
      return EXIT_FAILURE;
    }
    if (!line.json()) out.println("grapple said:");
    out.println(pretty(answer));
    return answer.path("error").isNull() ? EXIT_OK : EXIT_FAILURE;
  }

  /**
   * The answer as indented JSON; what JSON leaves as written and a terminal obeys is escaped when
   * printed ({@link Terminal}). Outside strings Jackson writes no control character but the line
   * break, pinned to {@code \n} (a {@code \r} escaped there would not be JSON); inside them {@code
   * \u009b} is the same character, so {@code --format json} stays JSON.
   */
  private static String pretty(JsonNode answer) {
    DefaultPrettyPrinter indented =
        new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
    try {
      return Json.MAPPER.writer(indented).writeValueAsString(answer);
    } catch (IOException e) {
      throw new IllegalStateException("a parsed answer could not be written back", e);
    }
  }

  /** {@code name:value} words as the call's args. */
  static ObjectNode args(List<String> words) {
    ObjectNode args = Json.object();
    for (String word : words) {
      int colon = word.indexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("args are name:value, was '" + word + "'");
      String name = word.substring(0, colon);
      if (args.has(name))
        throw new IllegalArgumentException("the arg " + name + " is given twice; give it once");
      args.set(name, value(name, word.substring(colon + 1)));
    }
    return args;
  }

  /**
   * JSON when it parses as JSON ({@code 12}, {@code {"a":1}}, {@code true}), else the text. JSON
   * naming a field twice is refused, naming it, as Grapple refuses it: read loosely, the last one
   * would be sent and the first dropped without a word.
   */
  private static JsonNode value(String arg, String text) {
    try {
      JsonNode parsed = Json.UNTRUSTED_UNIQUE_NAMES.readTree(text);
      if (parsed != null && !parsed.isMissingNode()) return parsed;
    } catch (JsonProcessingException e) {
      Optional<String> twice = Json.duplicateName(e);
      if (twice.isPresent())
        throw new IllegalArgumentException(
            "the arg " + arg + " names the field '" + twice.get() + "' twice; give it once");
      // Not JSON: the text itself is the value.
    }
    return Json.MAPPER.getNodeFactory().textNode(text);
  }

  private int completion(Line line) {
    List<String> words = line.words();
    if (words.size() != 2 || !words.get(1).equals("bash"))
      throw new IllegalArgumentException("_completion takes one shell: bash");
    out.print(ApiHelp.bashCompletion(methodsForCompletion(line)));
    return EXIT_OK;
  }

  /** The jar's own table (the core's methods), to list, not to call. */
  private static JsonRpc listingOnly() {
    return new JsonRpc(
        key -> {
          throw new IllegalStateException("a table to list methods takes no calls");
        },
        new CoreMethods(null, null, null).table());
  }

  /** The bot's own table when it answers (services' methods too), else the core's. */
  private JsonNode methodsForCompletion(Line line) {
    try {
      ApiConfig config = config(line);
      ObjectNode request =
          Json.object().put("id", 1).put("api_key", config.apikey()).put("method", "get_methods");
      JsonNode answer = ApiCall.post(config, request, COMPLETION_TIMEOUT);
      if (answer.path("result").isArray()) return answer.get("result");
    } catch (IOException | IllegalArgumentException e) {
      // No config or no answer: the methods this jar knows are complete enough.
    }
    return listingOnly().describe();
  }

  /**
   * Where the CLI prints: everything goes out through {@link ConsoleGateway#visible} (what JSON and
   * Java leave as written and a terminal obeys, C0 and 8-bit controls such as U+009B, CSI, and
   * direction overrides, escaped; line breaks and tabs stay), so server text (an answer, an error
   * it quotes, a status line, a redirect's target) cannot drive the operator's terminal, whichever
   * line quotes it.
   */
  private static final class Terminal {
    private final PrintStream stream;

    Terminal(PrintStream stream) {
      this.stream = stream;
    }

    void print(String text) {
      stream.print(ConsoleGateway.visible(text));
    }

    void println(String text) {
      stream.println(ConsoleGateway.visible(text));
    }
  }
}
