package ai.peft4j.kernel.eval;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the JVM-ending calls in a class file to {@link CellExit}: {@code System.exit(int)},
 * {@code Runtime.exit(int)} and {@code Runtime.halt(int)}, called directly or through a method
 * reference such as {@code System::exit}. The stack shape of each call is kept ({@code
 * runtime.exit(n)} becomes {@code CellExit.exit(runtime, n)}), so nothing else in the class
 * changes.
 *
 * <p>Chosen over a {@code SecurityManager}, which Java 17 deprecates for removal (JEP 411), later
 * JDKs refuse without {@code -Djava.security.manager=allow} and JDK 24 disables for good (JEP 486).
 * It only sees cell code: a library that exits, or reflection on {@code System.exit}, still ends
 * the JVM (the headless runner then writes the notebook from a shutdown hook).
 */
final class ExitCalls {
    private static final String CELL_EXIT = CellExit.class.getName().replace('.', '/');
    private static final String SYSTEM = "java/lang/System";
    private static final String RUNTIME = "java/lang/Runtime";
    private static final String INT_TO_VOID = "(I)V";
    private static final String RUNTIME_INT_TO_VOID = "(Ljava/lang/Runtime;I)V";

    private ExitCalls() {}

    /** The class with its exit calls redirected, or the same array if it has none. */
    static byte[] rewrite(byte[] classFile) {
        ClassReader reader;
        try {
            reader = new ClassReader(classFile);
        } catch (RuntimeException e) {
            return classFile; // not ours to judge: let the class loader report it
        }
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] changed = new boolean[1];
        reader.accept(
                new ClassVisitor(Opcodes.ASM9, writer) {
                    @Override
                    public MethodVisitor visitMethod(
                            int access, String name, String desc, String signature, String[] exceptions) {
                        MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                        return new MethodVisitor(Opcodes.ASM9, mv) {
                            @Override
                            public void visitMethodInsn(
                                    int opcode, String owner, String mName, String mDesc, boolean itf) {
                                if (isSystemExit(opcode == Opcodes.INVOKESTATIC, owner, mName, mDesc)) {
                                    changed[0] = true;
                                    super.visitMethodInsn(Opcodes.INVOKESTATIC, CELL_EXIT, "exit", INT_TO_VOID, false);
                                } else if (isRuntimeExit(opcode == Opcodes.INVOKEVIRTUAL, owner, mName, mDesc)) {
                                    changed[0] = true;
                                    super.visitMethodInsn(
                                            Opcodes.INVOKESTATIC, CELL_EXIT, mName, RUNTIME_INT_TO_VOID, false);
                                } else {
                                    super.visitMethodInsn(opcode, owner, mName, mDesc, itf);
                                }
                            }

                            @Override
                            public void visitInvokeDynamicInsn(
                                    String iName, String iDesc, Handle bsm, Object... bsmArgs) {
                                Object[] args = bsmArgs.clone();
                                for (int i = 0; i < args.length; i++) {
                                    args[i] = redirect(args[i], changed);
                                }
                                super.visitInvokeDynamicInsn(iName, iDesc, bsm, args);
                            }

                            @Override
                            public void visitLdcInsn(Object value) {
                                super.visitLdcInsn(redirect(value, changed));
                            }
                        };
                    }
                },
                0);
        return changed[0] ? writer.toByteArray() : classFile;
    }

    private static boolean isSystemExit(boolean isStatic, String owner, String name, String desc) {
        return isStatic && SYSTEM.equals(owner) && "exit".equals(name) && INT_TO_VOID.equals(desc);
    }

    private static boolean isRuntimeExit(boolean isVirtual, String owner, String name, String desc) {
        return isVirtual
                && RUNTIME.equals(owner)
                && ("exit".equals(name) || "halt".equals(name))
                && INT_TO_VOID.equals(desc);
    }

    /** Method handles ({@code System::exit}, {@code runtime::halt}) point at {@link CellExit}. */
    private static Object redirect(Object constant, boolean[] changed) {
        if (!(constant instanceof Handle h)) {
            return constant;
        }
        if (isSystemExit(h.getTag() == Opcodes.H_INVOKESTATIC, h.getOwner(), h.getName(), h.getDesc())) {
            changed[0] = true;
            return new Handle(Opcodes.H_INVOKESTATIC, CELL_EXIT, "exit", INT_TO_VOID, false);
        }
        if (isRuntimeExit(h.getTag() == Opcodes.H_INVOKEVIRTUAL, h.getOwner(), h.getName(), h.getDesc())) {
            changed[0] = true;
            return new Handle(Opcodes.H_INVOKESTATIC, CELL_EXIT, h.getName(), RUNTIME_INT_TO_VOID, false);
        }
        return constant;
    }
}
