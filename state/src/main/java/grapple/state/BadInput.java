package grapple.state;

import com.google.errorprone.annotations.FormatMethod;
import com.google.errorprone.annotations.FormatString;

/** A user mistake: names the field and the rule it broke, in words the user can act on. */
public final class BadInput extends MessageException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public BadInput(String field, String message) {
    super(message);
    this.field = field;
  }

  /** Throws a BadInput for {@code field} unless {@code ok}; the message is {@code 'field' rule}. */
  @FormatMethod
  public static void check(boolean ok, String field, @FormatString String rule, Object... args) {
    if (!ok) throw new BadInput(field, "'" + field + "' " + String.format(rule, args));
  }

  public String field() {
    return field;
  }
}
