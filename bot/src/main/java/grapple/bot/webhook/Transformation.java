package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;
import grapple.state.BadInput;
import grapple.state.CheckedMessageException;
import grapple.state.Json;
import grapple.state.Texts;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.mozilla.javascript.BaseFunction;
import org.mozilla.javascript.ClassShutter;
import org.mozilla.javascript.CompilerEnvirons;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.ContextFactory;
import org.mozilla.javascript.ErrorReporter;
import org.mozilla.javascript.EvaluatorException;
import org.mozilla.javascript.IRFactory;
import org.mozilla.javascript.Interpreter;
import org.mozilla.javascript.NativeArray;
import org.mozilla.javascript.NativeFunction;
import org.mozilla.javascript.NativeObject;
import org.mozilla.javascript.Node;
import org.mozilla.javascript.Parser;
import org.mozilla.javascript.RhinoException;
import org.mozilla.javascript.Script;
import org.mozilla.javascript.ScriptRuntime;
import org.mozilla.javascript.ScriptStackElement;
import org.mozilla.javascript.Scriptable;
import org.mozilla.javascript.ScriptableObject;
import org.mozilla.javascript.Token;
import org.mozilla.javascript.Undefined;
import org.mozilla.javascript.ast.AstRoot;
import org.mozilla.javascript.ast.FunctionNode;
import org.mozilla.javascript.ast.ScriptNode;
import org.mozilla.javascript.json.JsonParser;

/**
 * A webhook's {@code transformationFunction}, compiled once per change and run per request with
 * hookshot's semantics: globals {@code data} (the body) and {@code HookshotApiVersion = "v2"}; the
 * script sets {@code result}, a string (v1) or {@code {version: "v2", ...}}.
 *
 * <p>The sandbox: Rhino's safe standard objects only (no {@code Packages}, {@code java}, {@code
 * load}, no host objects at all), a class shutter that lets no Java class through, the built-ins
 * and every object reachable from them sealed and shared read-only between calls, interpreted mode
 * with an instruction counter that ends the call at its time limit, a bounded stack depth, and
 * bounded output. No I/O and no timers exist in the scope, so nothing outlives the call.
 */
final class Transformation {
  /** Longest script accepted. */
  static final int MAX_SCRIPT_CHARS = 64 * 1024;

  /** Longest string a result field may hold (plain, html, the response body). */
  static final int MAX_OUTPUT_CHARS = 64 * 1024;

  /** Deepest JavaScript call stack. */
  static final int MAX_STACK_DEPTH = 256;

  /**
   * Instructions between two checks of the clock and the allocation count. Each check costs about
   * 0.1 µs; fewer instructions between them bound how much one loop of big allocations (a guarded
   * {@code repeat} of 1 Mi characters is a few instructions and some 3 MB) can take before it is
   * stopped.
   */
  private static final int CHECK_EVERY = 200;

  /**
   * Characters compared (or steps of a search) counted as one instruction: an instruction of the
   * interpreter takes about as long as 8 to 16 of them.
   */
  static final int CHARS_PER_INSTRUCTION = 8;

  /** Longest string the built-ins that make one string out of a count may make. */
  static final int MAX_BUILT_STRING = 1 << 20;

  /**
   * Longest string {@code +}, {@code +=} or a template literal may make. Rhino joins two strings
   * lazily, in a few bytes whatever their length, so {@code s += s} doubles a string thirty times
   * in a few instructions and no allocation; the first built-in that reads it ({@code indexOf}, a
   * comparison) then copies all of it at once, in one instruction: a request for gigabytes, which
   * with {@code -XX:+ExitOnOutOfMemoryError} ends the process. Every such expression is checked as
   * it is made (see {@link #boundConcatenations}), so no string over this exists.
   */
  static final int MAX_CONCATENATED = 4 << 20;

  /**
   * The check of {@link #MAX_CONCATENATED}, a method of {@code String.prototype} called on {@code
   * ""}: sealed with the built-ins, it cannot be replaced or shadowed by a script (a name in the
   * scope could be, by a local declaration or {@code with}).
   */
  private static final String BOUND_CHECK = "__grappleBoundedString";

  /**
   * The count of a call of the script's own functions (see {@link #countCalls}), a method of {@code
   * String.prototype} as {@link #BOUND_CHECK} is.
   */
  private static final String CALL_COUNT = "__grappleCountedCall";

  private static final String SOURCE_NAME = "transformationFunction";

  /** Longest string {@code localeCompare} compares (see {@link #BOUNDED_BUILT_INS}). */
  static final int MAX_COMPARED_CHARS = 8192;

  /** Most elements {@code Array.from} and {@code fill} may make in one call. */
  static final int MAX_BUILT_ELEMENTS = 1 << 20;

  /**
   * The built-ins that build a string of any length from a small call ({@code "x".repeat(1e9)},
   * {@code "".padEnd(1e9)}, {@code new Array(1e9).join()}) refuse one longer than {@link
   * #MAX_BUILT_STRING}: one such call is one instruction, which the clock cannot interrupt. So do
   * those that make an array of a given length ({@code Array.from({length: 5e7})}, {@code new
   * Array(5e7).fill(0)}), over {@link #MAX_BUILT_ELEMENTS}: unguarded, either runs for minutes
   * inside one instruction and then exhausts the heap. The guards are JavaScript, run once on the
   * shared scope: {@code bounded-built-ins.js}, in the resources beside this class.
   */
  private static final String BOUNDED_BUILT_INS = resource("bounded-built-ins.js");

  /**
   * A script of the sandbox's own, kept beside this class as a file of its own (it is JavaScript,
   * and long); a jar without it is broken, so its absence fails the class's loading.
   */
  private static String resource(String name) {
    try (java.io.InputStream in = Transformation.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException(name + " is missing beside Transformation");
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("could not read " + name, e);
    }
  }

  /** Binary buffers, taken out of the scope (see {@link #SHARED}). */
  private static final List<String> TYPED_ARRAYS =
      List.of(
          "ArrayBuffer",
          "DataView",
          "Int8Array",
          "Uint8Array",
          "Uint8ClampedArray",
          "Int16Array",
          "Uint16Array",
          "Int32Array",
          "Uint32Array",
          "Float32Array",
          "Float64Array",
          "BigInt64Array",
          "BigUint64Array");

  private static final Sandbox SANDBOX = new Sandbox();
  private static final ScriptableObject SHARED =
      SANDBOX.call(
          cx -> {
            ScriptableObject scope = cx.initSafeStandardObjects(null, true);
            // Nothing may reach outside or run later: these are not in the safe objects, but make
            // sure.
            for (String name : List.of("Packages", "java", "javax", "load", "JavaAdapter"))
              scope.delete(name);
            // Code compiled at run time escapes the check of concatenations (see
            // boundConcatenations); Function is replaced below.
            for (String name : List.of("eval", "Script")) scope.delete(name);
            // A buffer of any size in one call (new ArrayBuffer(2e9)): out of reach of the
            // instruction count; webhook scripts shape JSON and need no binary buffers.
            for (String name : TYPED_ARRAYS) scope.delete(name);
            // As BigInt literals (see refuseBigInts): BigInt("9".repeat(1e6)), BigInt.asUintN(1e9,
            // -1n) and the operators on what they make ask for any size in one call.
            scope.delete("BigInt");
            BoundCheck check = new BoundCheck();
            check.setParentScope(scope);
            check.setPrototype(ScriptableObject.getFunctionPrototype(scope));
            Scriptable symbol = (Scriptable) ScriptableObject.getProperty(scope, "Symbol");
            OwnSymbolRegistry symbolFor = new OwnSymbolRegistry(symbol, "for", scope);
            OwnSymbolRegistry symbolKeyFor = new OwnSymbolRegistry(symbol, "keyFor", scope);
            ((org.mozilla.javascript.Function)
                    cx.evaluateString(scope, BOUNDED_BUILT_INS, "sandbox", 1, null))
                .call(
                    cx,
                    scope,
                    scope,
                    new Object[] {
                      MAX_BUILT_STRING,
                      MAX_BUILT_ELEMENTS,
                      MAX_CONCATENATED,
                      scope,
                      check,
                      BOUND_CHECK,
                      new IsProxy(),
                      new IsRegExp(),
                      MAX_SCRIPT_CHARS,
                      symbolFor,
                      symbolKeyFor,
                      MAX_COMPARED_CHARS,
                      new CountCall(),
                      CALL_COUNT,
                      new IsCode(),
                      new OwnCount(),
                      new OwnIds(),
                      new Search(),
                      CHARS_PER_INSTRUCTION,
                      new BytesLeft(),
                      new JsonParseBytes()
                    });
            sealAll(cx, scope);
            return scope;
          });

  /**
   * Every object a script can reach from the global scope, found as a script would find them:
   * prototypes, and the values, getters and setters of own properties (non-enumerable and
   * symbol-keyed ones too).
   */
  private static final String REACHABLE =
      """
      (function (global) {
        var seen = new Set(), todo = [global];
        function visit(v) { if ((typeof v === "object" || typeof v === "function") && v !== null) todo.push(v); }
        while (todo.length > 0) {
          var o = todo.pop();
          if (seen.has(o)) continue;
          seen.add(o);
          try {
            visit(Object.getPrototypeOf(o));
            var keys = Object.getOwnPropertyNames(o).concat(Object.getOwnPropertySymbols(o));
            for (var i = 0; i < keys.length; i++) {
              var d = Object.getOwnPropertyDescriptor(o, keys[i]);
              if (d) { visit(d.value); visit(d.get); visit(d.set); }
            }
          } catch (e) {
            // An object whose properties cannot be listed is still sealed below.
          }
        }
        return Array.from(seen);
      })(this);
      """;

  /**
   * Seals {@code scope} and every object reachable from it. {@code initSafeStandardObjects(scope,
   * true)} leaves many unsealed: what the sandbox makes after it (the guarded built-ins above and
   * each one's {@code prototype}), and Rhino's newer built-ins ({@code Promise.prototype}, {@code
   * Symbol.prototype}, {@code Map.groupBy}, accessor functions). A script could hang data on any of
   * them for every later call of every hook, in any room, to read. Each is also made
   * non-extensible, so no script can give it a prototype of its own (a Proxy, to see every later
   * script's lookups miss on it, with that script's data). Reading a lazily loaded constructor
   * makes it, so walks repeat until one finds nothing new to seal.
   */
  private static void sealAll(Context cx, ScriptableObject scope) {
    for (int pass = 0; ; pass++) {
      if (pass == 10) throw new IllegalStateException("the built-ins keep growing while sealed");
      boolean sealedAny = false;
      for (Object o : (NativeArray) cx.evaluateString(scope, REACHABLE, "sandbox", 1, null)) {
        if (o instanceof ScriptableObject object && (!object.isSealed() || object.isExtensible())) {
          object.sealObject();
          // Sealing keeps properties from being added, changed or removed, not the prototype from
          // being replaced: Rhino's Object.setPrototypeOf and __proto__ check only extensibility.
          object.preventExtensions();
          sealedAny = true;
        }
      }
      if (!sealedAny) return;
    }
  }

  private final Script script;

  private Transformation(Script script) {
    this.script = script;
  }

  /** Compiles {@code source}; a syntax error is BadInput naming the field, with Rhino's message. */
  static Transformation compile(String source) {
    Compiled compiled = tryCompile(source);
    if (compiled.error().isPresent())
      throw new BadInput("transformationFunction", compiled.error().get().sentence());
    return compiled.script().orElseThrow();
  }

  /**
   * Compiles {@code source}, saying what is wrong with it instead of throwing: room state keeps a
   * hook whose script does not compile, as hookshot does. A script over {@link #MAX_SCRIPT_CHARS}
   * is still BadInput.
   */
  static Compiled tryCompile(String source) {
    BadInput.check(
        source.length() <= MAX_SCRIPT_CHARS,
        "transformationFunction",
        "must be at most %d characters, was %d",
        MAX_SCRIPT_CHARS,
        source.length());
    try {
      // Run as the body of a function, as hookshot does (`(() => { <script> })()`): a top-level
      // `return` ends the script. The opening stays on the first line, so line numbers hold.
      String wrapped = "(function () {" + source + "\n})();";
      Script script =
          SANDBOX.call(
              cx -> {
                // Compiled as Rhino compiles it first, so errors are Rhino's.
                cx.compileString(wrapped, SOURCE_NAME, 1, null);
                return compileBounded(cx, wrapped);
              });
      return new Compiled(Optional.of(new Transformation(script)), Optional.empty());
    } catch (RhinoException e) {
      // EvaluatorException for most errors; EcmaError for a regular expression literal Rhino cannot
      // compile (a named group). An error found at the wrapper's closing line is one at the end of
      // the script.
      int lastLine = (int) source.chars().filter(c -> c == '\n').count() + 1;
      return new Compiled(
          Optional.empty(),
          Optional.of(new CompileError(e.details(), Math.min(e.lineNumber(), lastLine))));
    }
  }

  /**
   * Compiles {@code source} with every string concatenation checked against {@link
   * #MAX_CONCATENATED}: each sum that is not itself part of a sum ({@code +}, {@code +=}, template
   * literals) becomes {@code "".check(a + b)} in the compiled tree, which returns its argument. A
   * compound assignment to a property or element ({@code o.p += s}) computes its sum on the stack,
   * so the assignment is wrapped as a whole (its value is the sum). Each operand is still evaluated
   * once, in order, and lines keep their numbers.
   */
  private static Script compileBounded(Context cx, String source) {
    CompilerEnvirons env = new CompilerEnvirons();
    env.initFromContext(cx);
    // Rhino's interpreter runs `return f()` as a tail call when it generates no debug info: the
    // frame is reused, the stack never deepens and no instructions are counted, so
    // `function f() { return f(); }` would run past the time limit, forever. With debug info it is
    // an ordinary call, bounded by the stack depth and the instruction observer.
    env.setGenerateDebugInfo(true);
    ErrorReporter reporter = env.getErrorReporter();
    AstRoot ast = new Parser(env, reporter).parse(source, SOURCE_NAME, 1);
    ScriptNode tree = new IRFactory(env, SOURCE_NAME, source, reporter).transformTree(ast);
    if (env.isGeneratingSource()) {
      tree.setRawSource(source);
      tree.setRawSourceBounds(0, source.length());
    }
    refuseBigInts(tree, 1);
    boundConcatenations(tree);
    countCalls(tree);
    Interpreter interpreter = new Interpreter();
    return interpreter.createScriptObject(interpreter.compile(env, tree, source, false), null);
  }

  /**
   * A BigInt literal is a compile error. One operator on BigInts is one instruction, and makes its
   * whole result at once: {@code 2n ** 1500000000n} asked for some 190 MB in one Java call, which
   * no instruction count interrupts and which ended the process (out of heap, with {@code
   * -XX:+ExitOnOutOfMemoryError}). Without literals and without the {@code BigInt} global (taken
   * out of the scope) no BigInt can be made.
   */
  private static void refuseBigInts(Node parent, int line) {
    int at = parent.getLineno() > 0 ? parent.getLineno() : line;
    if (parent.getType() == Token.BIGINT)
      throw new EvaluatorException(BIGINT_REFUSED, SOURCE_NAME, at);
    // A function's body is not among its script's children.
    if (parent instanceof ScriptNode script)
      for (int i = 0; i < script.getFunctionCount(); i++)
        refuseBigInts(script.getFunctionNode(i), at);
    for (Node child = parent.getFirstChild(); child != null; child = child.getNext())
      refuseBigInts(child, at);
  }

  static final String BIGINT_REFUSED =
      "BigInt (as 10n) is not supported in a transformationFunction: one operation on BigInts can"
          + " ask for more memory than the bot has";

  private static void boundConcatenations(Node parent) {
    // A function's body is not among its script's children.
    if (parent instanceof ScriptNode script)
      for (int i = 0; i < script.getFunctionCount(); i++)
        boundConcatenations(script.getFunctionNode(i));
    for (Node child = parent.getFirstChild(); child != null; ) {
      Node next = child.getNext();
      boundConcatenations(child);
      // In a chain (a + b + c) only the outermost sum is checked: every inner one is part of it,
      // and nothing reads an inner one before the outer is made.
      if (isConcatenation(child) && !usesStack(child) && !isConcatenation(parent))
        wrap(parent, child);
      else if (hasChild(child, c -> isConcatenation(c) && usesStack(c))) wrap(parent, child);
      child = next;
    }
  }

  /**
   * Makes every function of the script count its call ({@code "".__grappleCountedCall()} as its
   * first statement) as {@value #COUNTED_PER_CALL} instructions, and so read the clock and the
   * memory bound every few calls. Rhino counts a function's instructions only at a branch: one
   * without a loop or an {@code if} ({@code function (x, i) { return i; }}) counts none, and a
   * built-in that calls it from Java ({@code Array.from({length: 1 << 20}, f)}, {@code map}, a
   * {@code JSON.parse} reviver, a getter) ran a million calls of it uninterrupted, seconds past the
   * limit.
   */
  private static void countCalls(ScriptNode script) {
    for (int i = 0; i < script.getFunctionCount(); i++) {
      FunctionNode function = script.getFunctionNode(i);
      countCalls(function);
      Node body = function.getLastChild();
      if (body == null || body.getType() != Token.BLOCK)
        throw new IllegalStateException("a function without a body: " + function.getName());
      Node count = new Node(Token.GETPROP, Node.newString(""), Node.newString(CALL_COUNT));
      body.addChildToFront(new Node(Token.EXPR_VOID, new Node(Token.CALL, count)));
    }
  }

  private static boolean isConcatenation(Node node) {
    return node.getType() == Token.ADD;
  }

  private static boolean usesStack(Node node) {
    return hasChild(node, c -> c.getType() == Token.USE_STACK);
  }

  private static boolean hasChild(Node node, java.util.function.Predicate<Node> test) {
    for (Node c = node.getFirstChild(); c != null; c = c.getNext()) if (test.test(c)) return true;
    return false;
  }

  private static void wrap(Node parent, Node child) {
    Node check = new Node(Token.GETPROP, Node.newString(""), Node.newString(BOUND_CHECK));
    Node call = new Node(Token.CALL, check);
    call.setLineColumnNumber(child.getLineno(), child.getColumn());
    parent.replaceChild(child, call);
    call.addChildToBack(child);
  }

  /**
   * The check {@link #boundConcatenations} puts around a sum: a Java function, so the call costs no
   * interpreted frame (it runs once for every chain of {@code +} a script evaluates).
   */
  private static final class BoundCheck extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public @Nullable Object call(
        Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Object value = args.length > 0 ? args[0] : Undefined.instance;
      if (value instanceof CharSequence s && s.length() > MAX_CONCATENATED) {
        throw ScriptRuntime.rangeError(
            "+: the string would be longer than " + MAX_CONCATENATED + " characters");
      }
      return value;
    }
  }

  /**
   * Whether a value is a {@code Proxy}, whose traps run the script's code whenever a built-in reads
   * it: the sandbox cannot tell that in JavaScript. Passed to the sandbox's own code only.
   */
  private static final class IsProxy extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0
          && args[0] != null
          && args[0].getClass().getName().equals("org.mozilla.javascript.NativeProxy");
    }
  }

  /**
   * {@code Symbol.for} or {@code Symbol.keyFor} on the registry of the call's own global scope.
   * Rhino keeps that registry on the top-level scope of whoever calls the built-in, and a built-in
   * called from the sandbox's guards (a callback: {@code keys.map(Symbol.for)}, {@code
   * Reflect.apply(Symbol.for, …)}) has the shared built-ins' scope: its registry outlived the call,
   * so every call could add to it for good (until the heap ran out), from many threads at once (a
   * plain HashMap), and it was not the registry the script's direct calls used.
   */
  private static final class OwnSymbolRegistry extends BaseFunction {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final org.mozilla.javascript.Function builtIn;

    OwnSymbolRegistry(Scriptable symbol, String name, ScriptableObject scope) {
      this.name = name;
      this.builtIn = (org.mozilla.javascript.Function) ScriptableObject.getProperty(symbol, name);
      setParentScope(scope);
      setPrototype(ScriptableObject.getFunctionPrototype(scope));
    }

    @Override
    public @Nullable Object call(
        Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Scriptable own = cx.getThreadLocal(Sandbox.SCOPE) instanceof Scriptable s ? s : scope;
      return builtIn.call(cx, own, thisObj, args);
    }

    @Override
    public Scriptable construct(Context cx, Scriptable scope, @Nullable Object[] args) {
      throw ScriptRuntime.typeErrorById("msg.not.ctor", "Symbol." + name);
    }

    @Override
    public String getFunctionName() {
      return name;
    }

    @Override
    public int getLength() {
      return 1;
    }

    @Override
    public int getArity() {
      return 1;
    }
  }

  /**
   * Counts a call of a callback that a built-in makes from Java, and each call of a function of the
   * script's (see {@link #countCalls}), as {@value #COUNTED_PER_CALL} instructions: Rhino counts
   * none for a function without a loop or branch, so a sort's comparisons (millions in one call)
   * would otherwise never reach the clock's check.
   */
  private static final class CountCall extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      // The sandbox's own code may count more for one call, as work it knows to be larger.
      int count =
          args.length > 0 && args[0] instanceof Number n
              ? (int) Math.max(1, Math.min(n.doubleValue(), 1 << 30))
              : COUNTED_PER_CALL;
      if (cx.getInstructionObserverThreshold() > 0) ScriptRuntime.addInstructionCount(cx, count);
      return Undefined.instance;
    }
  }

  /** What one counted callback costs, in instructions (a call's own few, and the callee's). */
  private static final int COUNTED_PER_CALL = 10;

  /**
   * {@code search(text, sought, from, backwards)}: {@link StringSearch}'s index of {@code sought}
   * in {@code text}, its steps counted as instructions. Passed to the sandbox's own code only.
   */
  private static final class Search extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      String text = ScriptRuntime.toString(args[0]);
      String sought = ScriptRuntime.toString(args[1]);
      int from = (int) Math.max(-1, Math.min(ScriptRuntime.toNumber(args[2]), Integer.MAX_VALUE));
      StringSearch.Steps steps =
          n -> {
            if (cx.getInstructionObserverThreshold() > 0)
              ScriptRuntime.addInstructionCount(cx, n / CHARS_PER_INSTRUCTION);
          };
      return (double)
          (ScriptRuntime.toBoolean(args[3])
              ? StringSearch.lastIndexOf(text, sought, from, steps)
              : StringSearch.indexOf(text, sought, from, steps));
    }
  }

  /**
   * Whether a value is a function written in JavaScript (the script's or the sandbox's), not one of
   * Rhino's built-ins in Java. Passed to the sandbox's own code only.
   */
  private static final class IsCode extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0 && args[0] instanceof NativeFunction;
    }
  }

  /**
   * How many own properties an object has at most, without listing them: an array's length (its
   * elements; named properties an array has are not counted), any other object's count of
   * properties. Passed to the sandbox's own code only.
   */
  private static final class OwnCount extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      Object o = args.length > 0 ? args[0] : null;
      if (o instanceof NativeArray a) return (double) a.getLength();
      return o instanceof ScriptableObject s ? (double) s.size() : 0.0;
    }
  }

  /**
   * The keys of an object's own properties (all of them, or the enumerable ones) as Rhino's
   * built-ins list them, in their order, without symbols: an index as a number, a name as a string.
   * One Java call that makes neither strings nor objects of them. Passed to the sandbox's own code
   * only.
   */
  private static final class OwnIds extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      if (args.length == 0 || !(args[0] instanceof Scriptable o)) return cx.newArray(scope, 0);
      boolean all = args.length > 1 && Context.toBoolean(args[1]);
      Object[] ids = all && o instanceof ScriptableObject s ? s.getAllIds() : o.getIds();
      return cx.newArray(scope, ids);
    }
  }

  /**
   * {@code bytesLeft()}: what the call may still allocate before its memory bound stops it
   * (Infinity on a JVM that does not count). Passed to the sandbox's own code only.
   */
  private static final class BytesLeft extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      if (!(cx.getThreadLocal(Sandbox.ALLOCATION_LIMIT) instanceof Long max) || !Sandbox.counts())
        return Double.POSITIVE_INFINITY;
      return (double) Math.max(0, max - Sandbox.allocated());
    }
  }

  /**
   * Bytes Rhino's {@code JSON.parse} allocated at most, on OpenJDK 17 (compressed oops), for each
   * opening bracket or brace, comma and colon outside strings: 149 for an array of small arrays of
   * numbers, 92 for one of empty arrays, 146 for an object's numbered properties.
   */
  static final int JSON_BYTES_PER_STRUCTURE = 160;

  /** ...for each other character outside strings (a number's digits: 26 for long numbers). */
  static final int JSON_BYTES_PER_DIGIT = 32;

  /** ...and for each character of a string (3 for one that is not Latin-1). */
  static final int JSON_BYTES_PER_STRING_CHAR = 4;

  /**
   * {@code jsonParseBytes(text)}: the most Rhino's {@code JSON.parse} allocates to read {@code
   * text}, from its characters (see {@link #JSON_BYTES_PER_STRUCTURE}). One pass, no allocation.
   * Passed to the sandbox's own code only.
   */
  private static final class JsonParseBytes extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return (double) jsonParseBytes(ScriptRuntime.toString(args[0]));
    }
  }

  static long jsonParseBytes(String text) {
    long bytes = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        bytes += JSON_BYTES_PER_STRING_CHAR;
        if (c == '\\') i++;
        else if (c == '"') inString = false;
        continue;
      }
      switch (c) {
        case '"' -> inString = true;
        case '[', '{', ',', ':' -> bytes += JSON_BYTES_PER_STRUCTURE;
        case ' ', '\t', '\n', '\r', ']', '}' -> {}
        default -> bytes += JSON_BYTES_PER_DIGIT;
      }
    }
    return bytes;
  }

  /** Whether a value is a RegExp made by the built-in constructor or a literal. */
  private static final class IsRegExp extends BaseFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call(Context cx, Scriptable scope, Scriptable thisObj, @Nullable Object[] args) {
      return args.length > 0 && args[0] instanceof org.mozilla.javascript.regexp.NativeRegExp;
    }
  }

  /** A script compiled, or why it does not compile (exactly one of the two). */
  record Compiled(Optional<Transformation> script, Optional<CompileError> error) {}

  /** Why a script does not compile: Rhino's message and the line it points at. */
  record CompileError(String message, int line) {
    /** For a refusal (commands, the API): names the rule and where. */
    String sentence() {
      return "Could not compile transformation function: "
          + message
          + " (line "
          + line
          + " of 'transformationFunction')";
    }

    /** As hookshot shows it: the error as an object, {@code JSON.stringify(e, null, 2)}. */
    String json() {
      ObjectNode error = Json.object().put("name", "SyntaxError").put("message", message);
      error.put("line", line);
      return WebhookMessage.pretty(error);
    }
  }

  /** What a script made of the data: nothing ({@code empty}), or a message and maybe an answer. */
  record Result(
      boolean empty,
      String plain,
      Optional<String> html,
      Optional<String> msgtype,
      Optional<ObjectNode> mentions,
      Optional<WebhookResponse> webhookResponse) {}

  /** The HTTP answer a script chose for a waiting sender. */
  record WebhookResponse(String body, Optional<String> contentType, Optional<Integer> statusCode) {}

  /** A script that threw, ran too long, or returned what hookshot refuses; the message says why. */
  static final class Failed extends CheckedMessageException {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message);
    }
  }

  /**
   * What one call may spend: {@code time} (on {@code clock}, in nanoseconds as {@link
   * System#nanoTime}, read every {@value #CHECK_EVERY} instructions) and {@code allocatedBytes},
   * the bytes the calling thread allocates meanwhile (checked as often; garbage counts too, so it
   * bounds the work a call makes the collector do). Tests pass a clock that advances at each read,
   * so that a call's time is the work it counts, whatever the machine's speed.
   */
  record Limits(Duration time, long allocatedBytes, LongSupplier clock) {
    Limits {
      if (time.isNegative() || time.isZero())
        throw new IllegalArgumentException("time must be positive, was " + time);
      if (allocatedBytes <= 0)
        throw new IllegalArgumentException(
            "allocatedBytes must be positive, was " + allocatedBytes);
    }

    /** Limits on the wall clock. */
    Limits(Duration time, long allocatedBytes) {
      this(time, allocatedBytes, System::nanoTime);
    }
  }

  /**
   * A call's own global scope, whose prototype is the shared sealed one. It stays top-level:
   * Rhino's {@code construct} gives a parentless object the caller's scope as parent ({@code
   * Object(this)}, and the guards' {@code Object(this)} on {@code [].join.call(null)}), after which
   * the call's implicit global writes ({@code result = ...}) went to the shared scope, which
   * ignored them.
   */
  private static final class CallScope extends NativeObject {
    private static final long serialVersionUID = 1L;

    @Override
    public void setParentScope(@Nullable Scriptable parent) {
      // A top-level scope has no parent; any other is ignored (see above).
    }
  }

  /** When a call's time is up, on its limits' clock. */
  private record Deadline(LongSupplier clock, long at) {
    boolean passed() {
      return clock.getAsLong() - at > 0;
    }
  }

  /** Thrown by the instruction observer; scripts cannot catch an Error. */
  private static final class TimeUp extends Error {
    private static final long serialVersionUID = 1L;

    TimeUp() {
      super("time limit", null, false, false);
    }
  }

  /** Thrown by the instruction observer once a call allocated more than its bound. */
  private static final class MemoryUp extends Error {
    private static final long serialVersionUID = 1L;

    MemoryUp() {
      super("memory limit", null, false, false);
    }
  }

  /** Runs the script on {@code data} within {@code limits}. */
  Result run(JsonNode data, Limits limits) throws Failed {
    Duration limit = limits.time();
    try {
      // The result is read inside the call, under its limits: reading it may run the script's own
      // code (a getter, a Proxy), as hookshot's JSON copy of it does.
      Object outcome =
          SANDBOX.call(
              cx -> {
                Scriptable scope = new CallScope();
                scope.setPrototype(SHARED);
                Object jsData;
                try {
                  jsData = new JsonParser(cx, scope).parseValue(Json.write(data));
                } catch (JsonParser.ParseException e) {
                  throw new IllegalStateException("Jackson wrote JSON Rhino cannot read", e);
                }
                ScriptableObject.putProperty(scope, "data", jsData);
                ScriptableObject.putProperty(scope, "HookshotApiVersion", "v2");
                cx.putThreadLocal(Sandbox.SCOPE, scope);
                // The limits are the script's own: turning the body (at most
                // generic.payloadSizeLimit) into JavaScript is linear in it and not counted.
                LongSupplier clock = limits.clock();
                cx.putThreadLocal(
                    Sandbox.DEADLINE, new Deadline(clock, clock.getAsLong() + limit.toNanos()));
                cx.putThreadLocal(
                    Sandbox.ALLOCATION_LIMIT, Sandbox.allocated() + limits.allocatedBytes());
                script.exec(cx, scope);
                try {
                  return interpret(ScriptableObject.getProperty(scope, "result"));
                } catch (Failed e) {
                  return e;
                }
              });
      if (outcome instanceof Failed e) throw e;
      return (Result) outcome;
    } catch (TimeUp e) {
      throw new Failed(
          "Transformation failed to run: it took longer than " + limit.toMillis() + " ms");
    } catch (MemoryUp e) {
      throw new Failed(
          "Transformation failed to run: it allocated more than "
              + limits.allocatedBytes() / (1024 * 1024)
              + " MiB");
    } catch (RhinoException e) {
      throw new Failed("Transformation failed to run: " + describe(e));
    } catch (StackOverflowError e) {
      throw new Failed("Transformation failed to run: it recursed too deeply");
    } catch (RuntimeException e) {
      throw new Failed("Transformation failed to run: " + e.getClass().getSimpleName());
    }
  }

  private static String describe(RhinoException e) {
    String details = e.details();
    if (details.length() > 500) {
      // At a character's end: half an emoji would show as a broken character in the room.
      details = Texts.prefix(details, 500) + "…";
    }
    // An error thrown by the sandbox's own code (a guarded built-in) is reported at the script's
    // line that called it, not at a line of the sandbox.
    int line = SOURCE_NAME.equals(e.sourceName()) ? e.lineNumber() : 0;
    for (ScriptStackElement frame : e.getScriptStack()) {
      if (line > 0) break;
      if (SOURCE_NAME.equals(frame.fileName)) line = frame.lineNumber;
    }
    return details + (line > 0 ? " (line " + line + ")" : "");
  }

  /** Hookshot's reading of {@code result}. */
  private static Result interpret(@Nullable Object result) throws Failed {
    if (result instanceof CharSequence s) {
      return message("Received webhook: " + bounded(s, "result"));
    }
    if (!(result instanceof Scriptable object) || result instanceof Undefined) {
      if (result == null) throw noVersion(); // typeof null is "object"
      return message("No content");
    }
    if (!"v2".equals(string(object, "version"))) throw noVersion();
    Object empty = ScriptableObject.getProperty(object, "empty");
    if (empty != Scriptable.NOT_FOUND && Context.toBoolean(empty)) {
      return new Result(
          true, "", Optional.empty(), Optional.empty(), Optional.empty(), response(object));
    }
    Object plain = ScriptableObject.getProperty(object, "plain");
    if (!(plain instanceof CharSequence p))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for plain");
    return new Result(
        false,
        bounded(p, "plain"),
        optionalString(object, "html"),
        optionalString(object, "msgtype"),
        mentions(object),
        response(object));
  }

  private static Result message(String plain) {
    return new Result(
        false, plain, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static Failed noVersion() {
    return new Failed("Result returned from transformation didn't specify version = v2");
  }

  private static @Nullable String string(Scriptable object, String key) {
    Object v = ScriptableObject.getProperty(object, key);
    return v instanceof CharSequence s && s.length() <= MAX_OUTPUT_CHARS ? s.toString() : null;
  }

  private static Optional<String> optionalString(Scriptable object, String key) throws Failed {
    Object v = ScriptableObject.getProperty(object, key);
    if (v == Scriptable.NOT_FOUND || v instanceof Undefined) return Optional.empty();
    if (!(v instanceof CharSequence s))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for " + key);
    return Optional.of(bounded(s, key));
  }

  private static String bounded(CharSequence s, String key) throws Failed {
    if (s.length() > MAX_OUTPUT_CHARS)
      throw new Failed(
          "Result returned from transformation has a "
              + key
              + " longer than "
              + MAX_OUTPUT_CHARS
              + " characters ("
              + s.length()
              + ")");
    return s.toString();
  }

  /**
   * Hookshot reads {@code mentions} and {@code webhookResponse} only when truthy: {@code null},
   * {@code false}, {@code 0} or {@code ""} there is no such field.
   */
  private static boolean absent(Object v) {
    return v == Scriptable.NOT_FOUND || !Context.toBoolean(v);
  }

  private static Optional<ObjectNode> mentions(Scriptable object) throws Failed {
    Object v = ScriptableObject.getProperty(object, "mentions");
    if (absent(v)) return Optional.empty();
    if (!(v instanceof Scriptable m) || v instanceof NativeArray)
      throw new Failed("Result returned from transformation didn't provide an object for mentions");
    ObjectNode out = Json.object();
    Object room = ScriptableObject.getProperty(m, "room");
    if (room != Scriptable.NOT_FOUND && !(room instanceof Undefined)) {
      if (!(room instanceof Boolean b))
        throw new Failed(
            "Result returned from transformation provided an invalid mentions.room: it must be"
                + " true or false");
      out.put("room", b);
    }
    Object ids = ScriptableObject.getProperty(m, "user_ids");
    if (ids != Scriptable.NOT_FOUND && !(ids instanceof Undefined)) {
      if (!(ids instanceof NativeArray array) || array.getLength() > 100)
        throw new Failed(
            "Result returned from transformation provided an invalid mentions.user_ids: it must be"
                + " a list of at most 100 user ids");
      ArrayNode list = out.putArray("user_ids");
      for (Object id : array) {
        if (!(id instanceof CharSequence s) || s.length() > 255)
          throw new Failed(
              "Result returned from transformation provided an invalid mentions.user_ids: each"
                  + " entry must be a user id (a string of at most 255 characters)");
        list.add(s.toString());
      }
    }
    return Optional.of(out);
  }

  private static final int MAX_HEADER_CHARS = 255;

  /** Printable ASCII (and spaces) only: a line break would start a header of the script's own. */
  private static boolean isHeaderValue(String s) {
    return s.length() <= MAX_HEADER_CHARS && s.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f);
  }

  private static Optional<WebhookResponse> response(Scriptable object) throws Failed {
    Object v = ScriptableObject.getProperty(object, "webhookResponse");
    if (absent(v)) return Optional.empty();
    if (!(v instanceof Scriptable r))
      throw new Failed(
          "Result returned from transformation didn't provide an object for webhookResponse");
    Object body = ScriptableObject.getProperty(r, "body");
    if (!(body instanceof CharSequence b))
      throw new Failed(
          "Result returned from transformation didn't provide a string value for"
              + " webhookResponse.body");
    Optional<String> contentType = optionalString(r, "contentType");
    if (contentType.isPresent() && !isHeaderValue(contentType.get()))
      throw new Failed(
          "Result returned from transformation provided an invalid webhookResponse.contentType:"
              + " it is sent as a header, so it must be at most "
              + MAX_HEADER_CHARS
              + " printable ASCII characters, without line breaks or other control characters");
    Object status = ScriptableObject.getProperty(r, "statusCode");
    Optional<Integer> statusCode = Optional.empty();
    if (status != Scriptable.NOT_FOUND && !(status instanceof Undefined)) {
      if (!(status instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.intValue() < 200
          || n.intValue() > 599)
        throw new Failed(
            "Result returned from transformation didn't provide a status code between 200 and 599"
                + " for webhookResponse.statusCode");
      statusCode = Optional.of(n.intValue());
    }
    return Optional.of(
        new WebhookResponse(bounded(b, "webhookResponse.body"), contentType, statusCode));
  }

  /** Contexts that interpret (so the instruction counter and stack limit work) and see no Java. */
  private static final class Sandbox extends ContextFactory {
    static final Object DEADLINE = new Object();
    static final Object ALLOCATION_LIMIT = new Object();

    /** The call's own global scope (see {@link OwnSymbolRegistry}). */
    static final Object SCOPE = new Object();

    /** Counts what each thread allocates; HotSpot has it on by default. */
    private static final @Nullable ThreadMXBean THREADS = threads();

    private static @Nullable ThreadMXBean threads() {
      if (!(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean t)) return null;
      if (!t.isThreadAllocatedMemorySupported()) return null;
      if (!t.isThreadAllocatedMemoryEnabled()) t.setThreadAllocatedMemoryEnabled(true);
      return t;
    }

    /** Whether this JVM counts the bytes each thread allocates. */
    static boolean counts() {
      return THREADS != null;
    }

    /** Bytes this thread has allocated so far (0 on a JVM that does not count them). */
    static long allocated() {
      ThreadMXBean t = THREADS;
      return t == null ? 0 : t.getCurrentThreadAllocatedBytes();
    }

    private static final ClassShutter NO_JAVA = className -> false;

    @Override
    protected Context makeContext() {
      Context cx = super.makeContext();
      cx.setLanguageVersion(Context.VERSION_ECMASCRIPT);
      cx.setInterpretedMode(true);
      cx.setInstructionObserverThreshold(CHECK_EVERY);
      cx.setMaximumInterpreterStackDepth(MAX_STACK_DEPTH);
      cx.setClassShutter(NO_JAVA);
      cx.setGeneratingDebug(false);
      return cx;
    }

    @Override
    protected void observeInstructionCount(Context cx, int instructionCount) {
      // Memory first: a call over both limits has usually run long because it allocated.
      Object allocationLimit = cx.getThreadLocal(ALLOCATION_LIMIT);
      if (allocationLimit instanceof Long max && THREADS != null && allocated() > max)
        throw new MemoryUp();
      Object deadline = cx.getThreadLocal(DEADLINE);
      if (deadline instanceof Deadline d && d.passed()) throw new TimeUp();
    }
  }
}
