package grapple.bot;

import java.util.List;

/**
 * Walks the words of a command line (the {@code grapple database} and {@code grapple api}
 * subcommands), reading an option's value from the same word ({@code --name=value}) or the next
 * ({@code --name value}).
 */
public final class CliArgs {
  private final List<String> args;
  private int next;

  /** Starts at {@code args.get(start)}. */
  public CliArgs(List<String> args, int start) {
    this.args = args;
    this.next = start;
  }

  public boolean hasNext() {
    return next < args.size();
  }

  public String next() {
    return args.get(next++);
  }

  /** The option's name: {@code arg} up to its {@code '='}, or all of it. */
  public static String name(String arg) {
    return arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
  }

  /**
   * The value of the option {@code arg} (the word just read): what follows its {@code '='}, else
   * the next word; throws IllegalArgumentException when there is none, or when the next word is
   * another option ({@code --from --to URL} forgot the file: "--to" is no file name).
   */
  public String value(String arg) {
    if (arg.contains("=")) return arg.substring(arg.indexOf('=') + 1);
    if (!hasNext() || isOption(args.get(next)))
      throw new IllegalArgumentException(arg + " needs a value");
    return next();
  }

  /** True for {@code --name} and {@code --name=value}: a word no value starts like. */
  public static boolean isOption(String word) {
    return word.startsWith("--") && word.length() > 2;
  }
}
