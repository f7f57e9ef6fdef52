def test_benchmark_fixture(benchmark):
    result = benchmark(sum, range(100))
    assert result == 4950
