package ai.peft4j.kernel.notebook;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Bytes in, text out: decodes UTF-8 and hands complete text to a consumer on every flush, keeping
 * a split multi-byte character for the next write.
 */
final class StreamDecoder extends OutputStream {
    private final Consumer<String> consumer;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(256);

    StreamDecoder(Consumer<String> consumer) {
        this.consumer = consumer;
    }

    @Override
    public synchronized void write(int b) {
        ensure(1);
        pending.put((byte) b);
        if (b == '\n') {
            flush();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        ensure(len);
        pending.put(b, off, len);
    }

    private void ensure(int extra) {
        if (pending.remaining() < extra) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + extra));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
    }

    @Override
    public synchronized void flush() {
        if (pending.position() == 0) {
            return;
        }
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        decoder.decode(pending, out, false);
        pending.compact();
        out.flip();
        if (out.hasRemaining()) {
            consumer.accept(out.toString());
        }
    }
}
