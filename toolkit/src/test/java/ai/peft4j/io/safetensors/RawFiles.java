package ai.peft4j.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, to test the reader independently of the writer. */
final class RawFiles {
    private RawFiles() {}

    /** 8-byte little-endian length + header bytes + data. */
    static byte[] bytes(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }

    /** A file with a correct length prefix for the given header JSON. */
    static Path write(Path file, String headerJson, byte[] data) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, h.length, h, data);
    }

    static Path write(Path file, long declaredLength, byte[] header, byte[] data) throws IOException {
        Files.write(file, bytes(declaredLength, header, data));
        return file;
    }
}
