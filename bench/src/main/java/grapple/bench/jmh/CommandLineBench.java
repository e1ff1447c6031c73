package grapple.bench.jmh;

import grapple.commands.CommandLine;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Command parsing, the first thing done with every room message. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CommandLineBench {
  private final List<String> prefixes = List.of("!grapple", "!hookshot");
  private final String command =
      "!grapple feed https://example.org/feed.xml \"Example feed\" '$TITLE $LINK'";
  private final String chat =
      "good morning everyone, has anyone seen the deploy logs from last night?";

  @Benchmark
  public Optional<CommandLine> parseCommand() {
    return CommandLine.parse(prefixes, command);
  }

  /** Most room messages are not commands: this is the price every chat line pays. */
  @Benchmark
  public Optional<CommandLine> parseChatLine() {
    return CommandLine.parse(prefixes, chat);
  }

  /** Baseline: splitting the same line on spaces, with no quoting rules. */
  @Benchmark
  public String[] baselineSplitOnSpaces() {
    return command.split(" ");
  }
}
