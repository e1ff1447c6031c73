package grapple.bot.config;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.Grapple;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * README's config table ("## Configuration") against the loader: every key the loader reads has a
 * row, every row names a key it reads, a default written in the table is the default, and a range
 * written as {@code (1–64)} or {@code 0 to 50} is the one the loader enforces.
 */
class ReadmeConfigTableTest {
  private static final Pattern ROW = Pattern.compile("(?m)^\\| (`[^|]+`) \\|([^|]*)\\|(.*)\\|$");
  private static final Pattern KEY = Pattern.compile("`([^`]+)`");
  private static final Pattern PLAIN_DEFAULT = Pattern.compile("`([^`<]+)`");
  private static final Pattern RANGE =
      Pattern.compile("\\((\\d[\\d,]*)–(\\d[\\d,]*)\\)|(\\d+) to (\\d+)");

  /**
   * Keys the key-path walk does not reach: read on another branch (url instead of path), or a
   * mapping by names the operator chooses.
   */
  private static final Set<String> READ_ON_ANOTHER_BRANCH =
      Set.of("database.url", "gitlab.instances");

  /** A listener's default as the table writes it: {@code 127.0.0.1:9000}. */
  private static final Pattern ADDRESS = Pattern.compile("([0-9.]+):([0-9]+)");

  /** A key of the sample, set: its indent, its name and what follows the colon. */
  private static final Pattern SAMPLE_KEY = Pattern.compile("^( *)([A-Za-z]+):(.*)$");

  /** A key of the sample left commented out ({@code # poolSize: 10}): the comment above is its. */
  private static final Pattern SAMPLE_COMMENTED_KEY = Pattern.compile("^ *# ?[A-Za-z]+: ");

  private static final Pattern SAMPLE_SIZE_RANGE =
      Pattern.compile("(?<![\\w.])(\\d+)(b|kb|mb|gb) to (\\d+)(b|kb|mb|gb)\\b");
  private static final Pattern SAMPLE_RANGE =
      Pattern.compile("(?<![\\w.])(\\d[\\d,]*) to (\\d[\\d,]*)(?![\\w])");
  private static final Pattern SAMPLE_AT_LEAST =
      Pattern.compile("at least (\\d+)(?![\\w]| characters)");

  private static final String POSTGRES =
      "database: {url: 'postgresql://grapple@localhost/grapple'}";

  private record Row(List<String> keys, String defaultCell, String meaning) {}

  @Test
  void everyKeyTheLoaderReadsHasARowAndEveryRowIsAKey() throws IOException {
    Set<String> known = ConfigLoader.knownKeyPaths(Grapple.configSections());
    List<String> documented = new ArrayList<>();
    for (Row row : rows()) documented.addAll(row.keys());

    Set<String> undocumented = new TreeSet<>();
    for (String path : known) {
      if (documented.stream().noneMatch(key -> covers(key, path))) undocumented.add(path);
    }
    Set<String> unknown = new TreeSet<>();
    for (String key : documented) {
      if (READ_ON_ANOTHER_BRANCH.contains(key)) continue;
      if (known.stream().noneMatch(path -> covers(key, path))) unknown.add(key);
    }

    assertThat(undocumented).as("keys read but not in README's table").isEmpty();
    assertThat(unknown).as("README rows the loader does not read").isEmpty();
  }

  @Test
  void aDefaultInTheTableIsTheDefault() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (Row row : rows()) {
      Matcher value = PLAIN_DEFAULT.matcher(row.defaultCell());
      if (row.keys().size() != 1 || !value.matches()) continue;
      String key = row.keys().get(0);
      Matcher address = ADDRESS.matcher(value.group(1));
      String written =
          address.matches()
              ? "{bindAddress: " + address.group(1) + ", port: " + address.group(2) + "}"
              : value.group(1);
      String outcome = sameAsDefault(yaml(key, written));
      if (outcome != null) wrong.add(key + ": " + written + ": " + outcome);
    }

    assertThat(wrong).isEmpty();
  }

  @Test
  void aRangeInTheTableIsTheRangeEnforced() throws IOException {
    List<String> wrong = new ArrayList<>();
    int ranges = 0;
    for (Row row : rows()) {
      Matcher range = RANGE.matcher(row.meaning());
      if (row.keys().size() != 1 || !range.find()) continue;
      ranges++;
      String key = row.keys().get(0);
      long low = number(range.group(1) != null ? range.group(1) : range.group(3));
      long high = number(range.group(2) != null ? range.group(2) : range.group(4));
      for (long accepted : new long[] {low, high}) {
        List<String> problems = problems(yaml(key, Long.toString(accepted)));
        if (!problems.isEmpty()) wrong.add(key + ": " + accepted + " refused: " + problems);
      }
      for (long refused : new long[] {low - 1, high + 1}) {
        if (problems(yaml(key, Long.toString(refused))).isEmpty())
          wrong.add(key + ": " + refused + " accepted");
      }
    }

    assertThat(ranges).as("rows with a range").isGreaterThan(10);
    assertThat(wrong).isEmpty();
  }

  /**
   * The sample's comments too: a range written above a key ({@code 1 to 64}, {@code 1kb to 100mb},
   * {@code at least 60}) is the one the loader enforces, so a copy's reader is not told one bound
   * and refused at another.
   */
  @Test
  void aRangeInTheSampleConfigIsTheRangeEnforced() throws IOException {
    List<String> wrong = new ArrayList<>();
    int ranges = 0;
    List<String> path = new ArrayList<>();
    StringBuilder comment = new StringBuilder();
    for (String line : Files.readAllLines(TestConfig.sampleConfig())) {
      Matcher key = SAMPLE_KEY.matcher(line);
      if (line.isBlank() || SAMPLE_COMMENTED_KEY.matcher(line).find()) {
        comment.setLength(0);
      } else if (line.strip().startsWith("#")) {
        comment.append(' ').append(line.strip().substring(1));
      } else if (key.find()) {
        int depth = key.group(1).length() / 2;
        while (path.size() > depth) path.remove(path.size() - 1);
        path.add(key.group(2));
        String rule = comment.toString();
        comment.setLength(0);
        if (key.group(3).isBlank() || key.group(3).strip().startsWith("#")) continue;
        String name = String.join(".", path);
        long[] bounds = sampleBounds(rule);
        if (bounds == null) continue;
        ranges++;
        for (long accepted : new long[] {bounds[0], bounds[1]}) {
          if (accepted < 0) continue;
          List<String> problems = problems(yaml(name, Long.toString(accepted)));
          if (!problems.isEmpty()) wrong.add(name + ": " + accepted + " refused: " + problems);
        }
        for (long refused : new long[] {bounds[0] - 1, bounds[1] < 0 ? -1 : bounds[1] + 1}) {
          if (refused < 0) continue;
          if (problems(yaml(name, Long.toString(refused))).isEmpty())
            wrong.add(name + ": " + refused + " accepted");
        }
      }
    }

    assertThat(ranges).as("keys of the sample with a range").isGreaterThan(15);
    assertThat(wrong).isEmpty();
  }

  /** {@code [low, high]} (bytes for sizes; high -1 when there is none), or null. */
  private static long @Nullable [] sampleBounds(String comment) {
    Matcher size = SAMPLE_SIZE_RANGE.matcher(comment);
    if (size.find()) {
      return new long[] {bytes(size.group(1), size.group(2)), bytes(size.group(3), size.group(4))};
    }
    Matcher plain = SAMPLE_RANGE.matcher(comment);
    if (plain.find()) return new long[] {number(plain.group(1)), number(plain.group(2))};
    Matcher least = SAMPLE_AT_LEAST.matcher(comment);
    if (least.find()) return new long[] {number(least.group(1)), -1};
    return null;
  }

  private static long bytes(String digits, String unit) {
    long n = Long.parseLong(digits);
    return switch (unit) {
      case "kb" -> n << 10;
      case "mb" -> n << 20;
      case "gb" -> n << 30;
      default -> n;
    };
  }

  private static boolean covers(String documentedKey, String path) {
    return path.equals(documentedKey)
        || path.startsWith(documentedKey + ".")
        || path.startsWith(documentedKey + "[]");
  }

  private static List<Row> rows() throws IOException {
    String readme = Files.readString(TestConfig.sampleConfig().resolveSibling("README.md"));
    int start = readme.indexOf("\n## Configuration\n");
    int end = readme.indexOf("\n### Coming from hookshot\n", start);
    assertThat(start).isPositive();
    assertThat(end).isGreaterThan(start);
    List<Row> rows = new ArrayList<>();
    Matcher row = ROW.matcher(readme.substring(start, end));
    while (row.find()) {
      List<String> keys = new ArrayList<>();
      Matcher key = KEY.matcher(row.group(1));
      while (key.find()) keys.add(key.group(1));
      rows.add(new Row(keys, row.group(2).strip(), row.group(3)));
    }
    assertThat(rows).hasSizeGreaterThan(50);
    return rows;
  }

  /** {@code a.b.c} set to {@code value}: {@code a: {b: {c: value}}}. */
  private static String yaml(String key, String value) {
    if (key.startsWith("database.") && !key.equals("database.path")) {
      // PostgreSQL's keys are read with database.url alone.
      String field = key.substring("database.".length());
      return POSTGRES.replace("'}", "', " + field + ": " + value + "}");
    }
    String yaml = value;
    String[] parts = key.split("\\.");
    for (int i = parts.length - 1; i > 0; i--) yaml = "{" + parts[i] + ": " + yaml + "}";
    return parts[0] + ": " + yaml;
  }

  /** Null when {@code yaml} reads as the empty config (warnings aside), else what differs. */
  private static @Nullable String sameAsDefault(String yaml) {
    Config given;
    try {
      given = TestConfig.parse(yaml);
    } catch (ConfigException e) {
      return "refused: " + e.problems();
    }
    Config defaults = TestConfig.parse(yaml.startsWith(POSTGRES.substring(0, 16)) ? POSTGRES : "");
    for (RecordComponent component : Config.class.getRecordComponents()) {
      if (component.getName().equals("warnings")) continue;
      Object a = value(component, given);
      Object b = value(component, defaults);
      if (!a.equals(b)) return component.getName() + " is " + a + ", not " + b;
    }
    return null;
  }

  private static Object value(RecordComponent component, Config config) {
    try {
      return component.getAccessor().invoke(config);
    } catch (ReflectiveOperationException e) {
      throw new LinkageError(e.getMessage(), e);
    }
  }

  private static List<String> problems(String yaml) {
    try {
      TestConfig.parse(yaml);
      return List.of();
    } catch (ConfigException e) {
      return e.problems();
    }
  }

  private static long number(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }
}
