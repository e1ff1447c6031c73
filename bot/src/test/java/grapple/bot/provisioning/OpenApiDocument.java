package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The provisioning API's openapi.json, and how a real answer measures up to it. */
final class OpenApiDocument {
  static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  final JsonNode root;
  final JsonSchemaChecker checker;

  private OpenApiDocument(JsonNode root) {
    this.root = root;
    this.checker = new JsonSchemaChecker(root);
  }

  /** Reads {@code /openapi.json} from the classpath (the bot's resources). */
  static OpenApiDocument load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json is not on the classpath");
      return new OpenApiDocument(Json.MAPPER.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("openapi.json does not parse", e);
    }
  }

  /** The documented path templates, e.g. {@code /v1/{roomId}/connections}. */
  List<String> templates() {
    List<String> out = new ArrayList<>();
    root.path("paths").fieldNames().forEachRemaining(out::add);
    return out;
  }

  /**
   * The methods documented for a template, upper case and sorted, as an Allow header lists them.
   */
  Set<String> methods(String template) {
    Set<String> out = new TreeSet<>();
    root.path("paths")
        .path(template)
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (METHODS.contains(name)) out.add(name.toUpperCase(Locale.ROOT));
            });
    return out;
  }

  /** The template a raw path falls under; a literal segment beats a parameter, as in the router. */
  Optional<String> template(String rawPath) {
    String[] path = segments(rawPath);
    String best = null;
    int bestLiterals = -1;
    for (String template : templates()) {
      int literals = literalMatches(segments(template), path);
      if (literals > bestLiterals) {
        best = template;
        bestLiterals = literals;
      }
    }
    return Optional.ofNullable(best);
  }

  /** How many literal segments match, or -1 when the template does not fit the path. */
  private static int literalMatches(String[] template, String[] path) {
    if (template.length != path.length) return -1;
    int literals = 0;
    for (int i = 0; i < template.length; i++) {
      if (template[i].startsWith("{") && template[i].endsWith("}")) continue;
      if (!template[i].equals(path[i])) return -1;
      literals++;
    }
    return literals;
  }

  static String[] segments(String path) {
    return path.replaceAll("^/+|/+$", "").split("/+");
  }

  /** Everything about {@code answer} that the document does not say; empty when it conforms. */
  List<String> problems(Answer answer) {
    Optional<String> template = template(answer.rawPath());
    if (template.isEmpty()) return unrouted(answer);
    JsonNode operation =
        root.path("paths").path(template.get()).path(answer.method().toLowerCase(Locale.ROOT));
    if (operation.isMissingNode()) return methodNotAllowed(answer, template.get());
    JsonNode response = operation.path("responses").path(Integer.toString(answer.status()));
    String where = answer.method() + " " + template.get() + " " + answer.status();
    if (response.isMissingNode()) {
      return List.of(
          where + ": the document does not list this status (answered " + answer.body() + ")");
    }
    return responseProblems(where, deref(response), answer);
  }

  private List<String> responseProblems(String where, JsonNode response, Answer answer) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> header : response.path("headers").properties()) {
      if (deref(header.getValue()).path("required").asBoolean(false)
          && answer.header(header.getKey()) == null) {
        out.add(where + ": lacks the required header " + header.getKey());
      }
    }
    JsonNode schema = response.path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) {
      if (!answer.body().isEmpty())
        out.add(where + ": documents no body, but answered " + answer.body());
      return out;
    }
    for (String problem : checker.problems(schema, answer.json())) out.add(where + ": " + problem);
    return out;
  }

  /** A path no template covers must be the router's 404 in the API's error shape. */
  private List<String> unrouted(Answer answer) {
    List<String> out = new ArrayList<>(errorProblems(answer, "HS_NOTFOUND"));
    if (answer.status() != 404)
      out.add(
          answer.method()
              + " "
              + answer.rawPath()
              + ": undocumented path answered "
              + answer.status()
              + " rather than 404");
    return out;
  }

  /**
   * A documented path with an undocumented method must be 405, allowing exactly the documented
   * methods.
   */
  private List<String> methodNotAllowed(Answer answer, String template) {
    List<String> out = new ArrayList<>(errorProblems(answer, "HS_METHOD_NOT_ALLOWED"));
    String where = answer.method() + " " + template;
    if (answer.status() != 405)
      out.add(where + ": undocumented method answered " + answer.status() + ", not 405");
    String allowed = String.join(", ", methods(template));
    if (!allowed.equals(answer.header("Allow"))) {
      out.add(
          where
              + ": Allow was '"
              + answer.header("Allow")
              + "', the document has '"
              + allowed
              + "'");
    }
    return out;
  }

  private List<String> errorProblems(Answer answer, String errcode) {
    List<String> out = new ArrayList<>();
    String where = answer.method() + " " + answer.rawPath() + " " + answer.status();
    for (String p :
        checker.problems(checker.resolve("#/components/schemas/Error"), answer.json())) {
      out.add(where + ": " + p);
    }
    if (!errcode.equals(answer.errcode()))
      out.add(where + ": errcode must be " + errcode + ", was " + answer.errcode());
    if (answer.header("X-Request-Id") == null) out.add(where + ": lacks X-Request-Id");
    return out;
  }

  /** Follows a {@code $ref} (responses, headers and parameters may be references). */
  JsonNode deref(JsonNode node) {
    return node.has("$ref") ? deref(checker.resolve(node.get("$ref").asText())) : node;
  }
}
