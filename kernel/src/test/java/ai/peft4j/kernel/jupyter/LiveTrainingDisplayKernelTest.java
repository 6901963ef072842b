package ai.peft4j.kernel.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.kernel.TinyTraining;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The real kernel process, spoken to over ZeroMQ as Jupyter speaks to it (signed messages on the
 * shell and IOPub channels), with no Python needed: a cell that trains a tiny model publishes one
 * {@code display_data} with a display id, then {@code update_display_data} messages under that id
 * (the loss chart as {@code image/png}, the progress line as {@code text/plain}), the last one the
 * final chart and summary; and no terminal progress bar on the cell's streams.
 */
@DisplayName("The kernel shows training as one output updated in place")
class LiveTrainingDisplayKernelTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final String DELIMITER = "<IDS|MSG>";

    @TempDir
    Path tmp;

    /** One Jupyter message as received: its header, parent header and content. */
    record Msg(JsonNode header, JsonNode parent, JsonNode content) {
        String type() {
            return header.path("msg_type").asText();
        }

        String parentId() {
            return parent.path("msg_id").asText();
        }
    }

    /** A minimal Jupyter client: shell (DEALER) and IOPub (SUB), HMAC-SHA256 signatures. */
    static final class Client implements AutoCloseable {
        final ZContext ctx = new ZContext();
        final ZMQ.Socket shell;
        final ZMQ.Socket iopub;
        final Mac mac;
        final String session = UUID.randomUUID().toString();
        final List<Msg> published = new ArrayList<>();

        Client(int shellPort, int iopubPort, String key) throws Exception {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            shell = ctx.createSocket(SocketType.DEALER);
            shell.connect("tcp://127.0.0.1:" + shellPort);
            iopub = ctx.createSocket(SocketType.SUB);
            iopub.subscribe(new byte[0]);
            iopub.connect("tcp://127.0.0.1:" + iopubPort);
        }

        String send(String type, ObjectNode content) throws Exception {
            ObjectNode header = M.createObjectNode();
            String id = UUID.randomUUID().toString();
            header.put("msg_id", id);
            header.put("username", "test");
            header.put("session", session);
            header.put("date", Instant.now().toString());
            header.put("msg_type", type);
            header.put("version", "5.3");
            byte[][] parts = {
                M.writeValueAsBytes(header), "{}".getBytes(), "{}".getBytes(), M.writeValueAsBytes(content)
            };
            for (byte[] p : parts) {
                mac.update(p);
            }
            String sig = HexFormat.of().formatHex(mac.doFinal());
            shell.sendMore(DELIMITER);
            shell.sendMore(sig);
            shell.sendMore(parts[0]);
            shell.sendMore(parts[1]);
            shell.sendMore(parts[2]);
            shell.send(parts[3]);
            return id;
        }

        /** The next message on {@code socket}, or null after {@code timeoutMs}. */
        static Msg receive(ZMQ.Socket socket, int timeoutMs) throws Exception {
            socket.setReceiveTimeOut(timeoutMs);
            byte[] frame = socket.recv();
            if (frame == null) {
                return null;
            }
            List<byte[]> frames = new ArrayList<>();
            frames.add(frame);
            while (socket.hasReceiveMore()) {
                frames.add(socket.recv());
            }
            int d = 0;
            while (!DELIMITER.equals(new String(frames.get(d), StandardCharsets.UTF_8))) {
                d++;
            }
            return new Msg(M.readTree(frames.get(d + 2)), M.readTree(frames.get(d + 3)), M.readTree(frames.get(d + 5)));
        }

        /** Sends kernel_info_request until IOPub delivers (ZeroMQ drops what a SUB joins too late for). */
        void waitForKernel(Process kernel, Path log) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline) {
                assertTrue(kernel.isAlive(), () -> "the kernel exited: " + read(log));
                send("kernel_info_request", M.createObjectNode());
                if (receive(iopub, 1000) != null) {
                    while (receive(iopub, 200) != null || receive(shell, 200) != null) {
                        // drain the greetings
                    }
                    return;
                }
            }
            throw new AssertionError("no answer from the kernel: " + read(log));
        }

        /** Executes {@code code}; returns the IOPub messages of the request, up to its idle status. */
        List<Msg> execute(String code) throws Exception {
            ObjectNode c = M.createObjectNode();
            c.put("code", code);
            c.put("silent", false);
            c.put("store_history", true);
            c.putObject("user_expressions");
            c.put("allow_stdin", false);
            c.put("stop_on_error", true);
            String id = send("execute_request", c);
            List<Msg> mine = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                Msg m = receive(iopub, 1000);
                if (m == null || !m.parentId().equals(id)) {
                    continue;
                }
                mine.add(m);
                if (m.type().equals("status")
                        && m.content().path("execution_state").asText().equals("idle")) {
                    Msg reply = receive(shell, 10_000);
                    assertEquals("ok", reply.content().path("status").asText(), () -> code + " -> " + mine);
                    return mine;
                }
            }
            throw new AssertionError("no idle status for " + code + "; got " + mine);
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    /** Each message's type and text, one a line: what an assertion shows when it fails. */
    static String summary(List<Msg> messages) {
        StringBuilder sb = new StringBuilder();
        for (Msg m : messages) {
            String text = m.content()
                    .path("data")
                    .path("text/plain")
                    .asText(m.content().path("text").asText());
            sb.append('\n').append(m.type()).append(' ').append(text.strip());
        }
        return sb.toString();
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    @DisplayName("display_data with an id, then update_display_data under it, ending on the final chart and summary")
    void trainingCellUpdatesOneDisplay() throws Exception {
        int shell = freePort();
        int iopub = freePort();
        String key = UUID.randomUUID().toString();
        ObjectNode conn = M.createObjectNode();
        conn.put("transport", "tcp");
        conn.put("ip", "127.0.0.1");
        conn.put("shell_port", shell);
        conn.put("iopub_port", iopub);
        conn.put("stdin_port", freePort());
        conn.put("control_port", freePort());
        conn.put("hb_port", freePort());
        conn.put("signature_scheme", "hmac-sha256");
        conn.put("key", key);
        Path connFile = tmp.resolve("kernel.json");
        Files.write(connFile, M.writeValueAsBytes(conn));
        Path log = tmp.resolve("kernel.log");
        Process kernel = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-Xmx2g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "ai.peft4j.kernel.Main",
                        connFile.toString())
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try (Client client = new Client(shell, iopub, key)) {
            client.waitForKernel(kernel, log);
            client.execute(TinyTraining.EVERY_STEP);
            client.execute(TinyTraining.SETUP);
            List<Msg> train = client.execute(TinyTraining.TRAIN);

            List<Msg> displays =
                    train.stream().filter(m -> m.type().equals("display_data")).toList();
            assertEquals(1, displays.size(), () -> summary(train));
            String id = displays.get(0)
                    .content()
                    .path("transient")
                    .path("display_id")
                    .asText();
            assertFalse(id.isEmpty(), displays.get(0).content()::toString);
            assertEquals(
                    "step 0/6 (0%)",
                    displays.get(0).content().path("data").path("text/plain").asText());

            List<JsonNode> updates = train.stream()
                    .filter(m -> m.type().equals("update_display_data"))
                    .map(Msg::content)
                    .toList();
            // one redraw per step (EVERY_STEP), then the final one
            assertEquals(7, updates.size(), () -> summary(train));
            Pattern progress = Pattern.compile(
                    "step (\\d)/6 \\(\\d+%\\) \\| loss \\d+\\.\\d{4} \\| lr \\S+ \\| \\d+ tok/s \\| elapsed \\d+:\\d\\d"
                            + " \\| ETA \\d+:\\d\\d");
            for (int i = 0; i < updates.size(); i++) {
                JsonNode u = updates.get(i);
                assertEquals(id, u.path("transient").path("display_id").asText(), u::toString);
                byte[] png = Base64.getDecoder()
                        .decode(u.path("data").path("image/png").asText());
                assertTrue(ImageIO.read(new ByteArrayInputStream(png)) != null, "a PNG chart in update " + i);
                String text = u.path("data").path("text/plain").asText();
                if (i < 6) {
                    var m = progress.matcher(text);
                    assertTrue(m.matches(), text);
                    assertEquals(String.valueOf(i + 1), m.group(1), text);
                } else {
                    assertTrue(text.startsWith("done: 6 steps in "), text);
                }
            }
            int firstUpdate = train.indexOf(train.stream()
                    .filter(m -> m.type().equals("update_display_data"))
                    .findFirst()
                    .get());
            assertTrue(train.indexOf(displays.get(0)) < firstUpdate, "the display comes before its updates");
            assertTrue(
                    train.stream()
                            .filter(m -> m.type().equals("stream"))
                            .noneMatch(m -> m.content().path("text").asText().contains("tok/s")),
                    () -> "no terminal progress bar on the cell's streams: " + train);
            Msg result = train.stream()
                    .filter(m -> m.type().equals("execute_result"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("6", result.content().path("data").path("text/plain").asText());
        } finally {
            kernel.destroy();
            if (!kernel.waitFor(30, TimeUnit.SECONDS)) {
                kernel.destroyForcibly();
            }
        }
    }
}
