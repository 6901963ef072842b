package ai.peft4j.kernel.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JShellEvaluatorTest {
    private static JShellEvaluator eval;

    @BeforeAll
    static void start() {
        eval = JShellEvaluator.create();
    }

    @AfterAll
    static void stop() {
        eval.close();
    }

    @Nested
    @DisplayName("cells with several snippets")
    class Splitting {
        @Test
        void classMethodAndTwoStatementsRunInOrder() {
            CellResult r = eval.eval(String.join(
                    "\n",
                    "class Counter {",
                    "  int n;",
                    "  int inc() { return ++n; }",
                    "}",
                    "int twice(Counter c) { c.inc(); return c.inc(); }",
                    "Counter c = new Counter();",
                    "twice(c) + 40"));
            assertTrue(r.hasValue());
            assertEquals(42, r.value());
            assertEquals("int", r.typeName());
        }

        @Test
        void statementsOnOneLine() {
            assertEquals(6, eval.eval("int a = 1; int b = 2; a + b + 3").value());
        }

        @Test
        void trailingSemicolonlessDeclarationHasNoValue() {
            CellResult r = eval.eval("String greeting = \"hi\"");
            assertFalse(r.hasValue());
            assertEquals("hi", eval.eval("greeting").value());
        }

        @Test
        void commentsAndBlankLinesAreFine() {
            CellResult r = eval.eval("// a comment\n\n/* block */ int z = 5;\n\n z * 2 // done\n");
            assertEquals(10, r.value());
        }

        @Test
        void emptyCellHasNoValue() {
            assertSame(CellResult.NONE, eval.eval("  \n// nothing\n"));
        }
    }

    @Test
    void valuesAreTheRealObjects() {
        eval.eval("List<String> names = new ArrayList<>(List.of(\"a\", \"b\"));");
        Object v = eval.eval("names").value();
        assertInstanceOf(java.util.ArrayList.class, v);
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) v;
        names.add("c"); // mutate from the host side
        assertEquals(3, eval.eval("names.size()").value());
        assertNull(eval.eval("(String) null").value());
        assertTrue(eval.eval("(String) null").hasValue());
    }

    @Test
    void defaultImportsWork() {
        Object v = eval.eval("new Linear(2, 3, true)").value();
        assertEquals("ai.peft4j.nn.Linear", v.getClass().getName());
        assertEquals(List.class.getName(), eval.eval("List.class.getName()").value());
        assertTrue(eval.imports().contains("ai.peft4j.tuners.lora.*"));
        assertEquals(
                "ai.djl.ndarray.types.Shape",
                eval.eval("new Shape(2, 3)").value().getClass().getName());
    }

    @Test
    void compileErrorsReportCellLineNumbers() {
        CompilationException e = assertThrows(
                CompilationException.class,
                () -> eval.eval("int ok = 1;\nint fine = 2;\n\nString s = undefinedThing + 1;\n"));
        CompilationException.Diagnostic d = e.diagnostics().get(0);
        assertEquals(4, d.line());
        assertEquals(12, d.column());
        assertTrue(d.message().contains("cannot find symbol"), d.message());
        assertEquals("String s = undefinedThing + 1;", d.sourceLine());
        assertTrue(e.traceback().get(0).contains("line 4"), e.traceback().toString());
        // snippets before the error ran
        assertEquals(1, eval.eval("ok").value());
    }

    @Test
    void compileErrorInsideAMultiLineMethod() {
        CompilationException e = assertThrows(
                CompilationException.class,
                () -> eval.eval("int x0 = 0;\nint bad() {\n  int y = 1;\n  return \"s\";\n}\n"));
        assertEquals(4, e.diagnostics().get(0).line());
        assertTrue(e.getMessage().startsWith("line 4: incompatible types"), e.getMessage());
    }

    @Test
    void incompleteSource() {
        IncompleteSourceException e = assertThrows(
                IncompleteSourceException.class, () -> eval.eval("int notRun = 1;\nvoid open() {\n  notRun++;\n"));
        assertEquals(2, e.line());
        // nothing of an unfinished cell runs
        assertThrows(CompilationException.class, () -> eval.eval("notRun"));
        assertEquals(Completeness.INCOMPLETE, eval.completeness("void open() {"));
        assertEquals(Completeness.COMPLETE, eval.completeness("int a = 1; a"));
    }

    @Test
    void exceptionTracesShowUserFramesOnly() {
        eval.eval(
                "int boom(int depth) {\n  if (depth == 0) throw new IllegalStateException(\"bad\");\n  return boom(depth - 1);\n}");
        EvaluationException e =
                assertThrows(EvaluationException.class, () -> eval.eval("int a0 = 1;\nboom(1);", "In [7]"));
        assertEquals("java.lang.IllegalStateException", e.exceptionClassName());
        assertEquals("IllegalStateException", e.errorName());
        assertEquals("bad", e.errorValue());
        assertInstanceOf(IllegalStateException.class, e.userException());
        List<String> tb = e.traceback();
        assertEquals("java.lang.IllegalStateException: bad", tb.get(0));
        String all = String.join("\n", tb);
        assertTrue(all.contains("boom (cell "), all);
        assertTrue(all.contains("    at boom (cell"), all);
        assertTrue(all.contains(", line 2)"), all);
        assertEquals("    at In [7], line 2", tb.get(tb.size() - 1), all);
        for (String line : tb) {
            assertFalse(line.contains("jdk.jshell"), all);
            assertFalse(line.contains("reflect"), all);
            assertFalse(line.contains("ai.peft4j.kernel"), all);
        }
    }

    @Test
    void exceptionCausesAreShown() {
        EvaluationException e = assertThrows(
                EvaluationException.class,
                () -> eval.eval("throw new RuntimeException(\"outer\", new java.io.IOException(\"inner\"));"));
        String all = String.join("\n", e.traceback());
        assertTrue(all.contains("Caused by: java.io.IOException: inner"), all);
    }

    @Test
    void libraryFramesAreKept() {
        EvaluationException e = assertThrows(EvaluationException.class, () -> eval.eval("List.of(1).get(5)"));
        String all = String.join("\n", e.traceback());
        assertTrue(all.contains("java.util.ImmutableCollections"), all);
    }

    @Test
    void unresolvedReferences() {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            eval.eval("int later() { return notYet * 2; }");
        } finally {
            System.setErr(old);
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("notYet"), buf.toString());
        UnresolvedReferenceException e = assertThrows(UnresolvedReferenceException.class, () -> eval.eval("later()"));
        assertTrue(e.getMessage().contains("method later"), e.getMessage());
        eval.eval("int notYet = 21;");
        assertEquals(42, eval.eval("later()").value());
    }

    @Test
    void interruptStopsAnInfiniteLoopAndKeepsState() throws Exception {
        eval.eval("int kept = 7; long spins = 0;");
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                eval.eval("while (true) { spins++; }\nkept = 8;");
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(500);
        eval.interrupt();
        Throwable t = run.get(20, TimeUnit.SECONDS);
        assertInstanceOf(EvaluationInterruptedException.class, t);
        assertEquals(7, eval.eval("kept").value());
        assertTrue((Long) eval.eval("spins").value() > 0);
    }

    @Test
    void interruptStopsASleep() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
                try {
                    eval.eval("Thread.sleep(60_000);");
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(500);
            eval.interrupt();
            assertInstanceOf(EvaluationInterruptedException.class, run.get());
            assertEquals(3, eval.eval("1 + 2").value());
        });
    }

    @Test
    void interruptAbandonsACellThatIgnoresStops() {
        try (JShellEvaluator stubborn =
                JShellEvaluator.builder().stopGrace(Duration.ofMillis(800)).build()) {
            stubborn.eval("int kept = 5; long turns = 0;");
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        stubborn.eval("while (true) { try { turns++; Thread.sleep(5); } catch (Throwable t) { } }");
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                });
                Thread.sleep(500);
                stubborn.interrupt();
                EvaluationInterruptedException e = assertInstanceOf(EvaluationInterruptedException.class, run.get());
                assertTrue(e.threadAbandoned(), e.getMessage());
                assertTrue(e.getMessage().contains("its thread was abandoned"), e.getMessage());
                // the evaluator is usable again, with its state
                assertEquals(6, stubborn.eval("kept + 1").value());
            });
        }
    }

    @Nested
    @DisplayName("System.exit and friends end the cell, not the JVM")
    class Exits {
        @Test
        void systemExit() {
            eval.eval("int before = 1;");
            SystemExitException e = assertThrows(
                    SystemExitException.class, () -> eval.eval("int x = 2;\nSystem.exit(3);\nx = 4;", "In [9]"));
            assertEquals(
                    "System.exit(3) was called; the kernel does not exit (restart it to start over)", e.errorValue());
            assertEquals(
                    "    at In [9], line 2", e.traceback().get(1), e.traceback().toString());
            assertEquals(2, eval.eval("x").value());
            assertEquals(1, eval.eval("before").value());
        }

        @Test
        void runtimeExitHaltAndMethodReferences() {
            assertThrows(SystemExitException.class, () -> eval.eval("Runtime.getRuntime().exit(0);"));
            SystemExitException halt =
                    assertThrows(SystemExitException.class, () -> eval.eval("Runtime.getRuntime().halt(1)"));
            assertTrue(halt.errorValue().startsWith("Runtime.halt(1)"), halt.errorValue());
            assertThrows(
                    SystemExitException.class,
                    () -> eval.eval("java.util.function.IntConsumer quit = System::exit;\nquit.accept(5);"));
            assertThrows(SystemExitException.class, () -> eval.eval("void leave() { System.exit(6); }\nleave();"));
        }

        @Test
        void catchingTheExitDoesNotHideIt() {
            SystemExitException e = assertThrows(
                    SystemExitException.class,
                    () -> eval.eval("try { System.exit(7); } catch (Throwable t) { }\n\"after\""));
            assertTrue(e.errorValue().startsWith("System.exit(7)"), e.errorValue());
            assertEquals(3, eval.eval("1 + 2").value());
        }
    }

    @Test
    void completion() {
        eval.eval("String word = \"abc\";");
        String cell = "int u = 1;\nword.toUpp";
        Completion c = eval.complete(cell, cell.length());
        assertTrue(c.candidates().contains("toUpperCase("), c.candidates().toString());
        assertEquals(cell.indexOf("toUpp"), c.start());
        assertEquals(cell.length(), c.end());

        Completion types = eval.complete("new Line", 8);
        assertTrue(
                types.candidates().stream().anyMatch(s -> s.startsWith("Linear")),
                types.candidates().toString());
    }

    @Test
    void inspection() {
        String cell = "Math.max(";
        String doc = eval.inspect(cell, cell.length());
        assertTrue(doc.contains("max("), doc);
    }

    @Test
    void redefiningAMethodReplacesIt() {
        eval.eval("int f() { return 1; }");
        eval.eval("int f() { return 2; }");
        assertEquals(2, eval.eval("f()").value());
    }
}
