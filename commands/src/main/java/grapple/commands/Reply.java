package grapple.commands;

import java.util.Objects;

/** What the bot answers to a command, as Markdown; rendered to HTML when sent. */
public record Reply(String markdown, boolean isError) {
  public Reply {
    Objects.requireNonNull(markdown, "markdown");
  }

  // Not @FormatMethod: without args the text is taken as it is, and may be Markdown holding a '%'.
  @SuppressWarnings("AnnotateFormatMethod")
  public static Reply text(String format, Object... args) {
    return new Reply(args.length == 0 ? format : String.format(format, args), false);
  }

  @SuppressWarnings("AnnotateFormatMethod") // As text: without args, plain Markdown.
  public static Reply error(String format, Object... args) {
    return new Reply(args.length == 0 ? format : String.format(format, args), true);
  }
}
