// System.Threading.Lock arrived in .NET 9; on .NET 8 a plain object monitor does the same job.
#if !NET9_0_OR_GREATER
global using Lock = System.Object;
#endif
