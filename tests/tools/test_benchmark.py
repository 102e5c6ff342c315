"""The benchmark tools (benchmark.py, benchmark_feed.py, benchmark_gpu_step.py,
gpu_check.sh) run end to end on tiny inputs and report every part (figures
themselves are not asserted: they are measurements)."""
import json

import pytest

from helpers.runs import REPO, run_tool


def test_benchmark_reports_every_part(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run_tool('tools/analysis/benchmark.py', '--seconds', '1',
                    '--size', '64', '--samples', '4', '--crop', '32',
                    '--frames', '8', '--steps', '1', '--workers', '0',
                    '--json', str(out))
    fig = json.load(open(out))
    assert fig['files'] == 4
    p = fig['pipeline']
    assert p['video_only_samples_per_s'] > 0
    assert p['av_over_video'] == round(p['audio_visual_samples_per_s'] /
                                       p['video_only_samples_per_s'], 3)
    # the librosa reference computes the same log-mel spectrogram
    assert fig['audio']['max_abs_diff_vs_librosa'] < 1e-2
    assert abs(fig['audio']['audio_seconds'] - 1.0) < 0.1
    step = fig['step']
    # AVCL = the video-only model's backbone + an audio encoder + AMFM
    assert step['avcl']['params_m'] > step['video_only']['params_m']
    assert step['avcl']['step_s'] > 0 and step['video_only']['step_s'] > 0
    assert fig['loader']['bound_by'] in ('data loading', 'model step')
    # the .npy sidecar fast path was measured on the same files
    assert p['audio_visual_npy_samples_per_s'] > 0
    assert '| pipeline (1 worker) | AV (.npy) / video-only |' in proc.stdout
    assert '| step | AVCL / video-only time |' in proc.stdout


def test_benchmark_step_switches_run_on_cpu(tmp_path):
    """--amp (bf16 FiniteLossAmpOptimWrapper) and --channels-last (the
    ChannelsLast3dHook conversion) work without a GPU."""
    out = tmp_path / 'bench.json'
    run_tool('tools/analysis/benchmark.py', '--skip', 'pipeline', 'audio',
             'loader', '--crop', '32', '--frames', '8', '--steps', '1',
             '--seconds', '1', '--size', '64', '--samples', '2',
             '--no-sidecars', '--amp', '--channels-last', '--json', str(out))
    fig = json.load(open(out))
    assert fig['amp'] and fig['channels_last']
    assert fig['step']['avcl']['step_s'] > 0


def test_gpu_step_benchmark_compares_the_switches(tmp_path):
    out = tmp_path / 'steps.json'
    proc = run_tool('tools/analysis/benchmark_gpu_step.py', '--device', 'cpu',
                    '--batch-size', '2', '--frames', '8', '--crop', '32',
                    '--base-channels', '8', '--warmup', '1', '--steps', '1',
                    '--variants', 'fp32', 'bf16', 'fp32_cl', '--json',
                    str(out))
    fig = json.load(open(out))
    rows = fig['results']
    assert set(rows) == {'fp32@2', 'bf16@2', 'fp32_cl@2'}
    # the same first loss: channels_last to rounding, bf16 to ~1e-2
    assert abs(rows['fp32_cl@2']['loss'] - rows['fp32@2']['loss']) <= \
        1e-4 * abs(rows['fp32@2']['loss'])
    assert abs(rows['bf16@2']['loss'] - rows['fp32@2']['loss']) <= \
        3e-2 * abs(rows['fp32@2']['loss'])
    assert '| fp32_cl |' in proc.stdout
    bad = run_tool('tools/analysis/benchmark_gpu_step.py', '--variants',
                   'fp16', check=False)
    assert bad.returncode != 0 and 'unknown variants' in bad.stderr


def test_gpu_check_script_runs_end_to_end(tmp_path):
    """tools/analysis/gpu_check.sh on tiny inputs on the CPU (QUICK=1): the
    script a GPU session runs unattended writes both tables."""
    import os
    import subprocess
    import sys
    out = tmp_path / 'gpu_check'
    env = dict(os.environ, QUICK='1', DEVICE='cpu', PYTHON=sys.executable,
               CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', 'tools/analysis/gpu_check.sh', str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert 'steps: exit 0' in proc.stdout and 'feed: exit 0' in \
        proc.stdout, proc.stdout + proc.stderr
    steps = json.load(open(out / 'steps.json'))
    assert all(steps['results'][f'{v}@2'] for v in
               ('fp32', 'bf16', 'fp32_cl', 'bf16_cl', 'bf16_cl_compile'))
    feed = json.load(open(out / 'feed.json'))
    assert feed['gpu']['steps']['2']['how'].startswith('measured (')
    assert set(feed['cores_per_gpu']['2']) == {
        f'{d}/{m}' for d in ('originals', 'originals_npy', 'resized',
                             'resized_mono', 'resized_npy')
        for m in ('cpu_mel', 'device_mel')}
    assert feed['resized']['sizes'] == ['170x128', '228x128']
    summary = (out / 'summary.md').read_text()
    assert '## Training step' in summary and '| resized_npy | device |' in \
        summary
    assert not (out / 'clips').exists()


def test_feed_benchmark_estimates_the_gpu_step_from_counted_flops(tmp_path):
    out = tmp_path / 'feed.json'
    run_tool('tools/analysis/benchmark_feed.py', '--clips', '2', '--seconds',
             '1', '--skip', 'pipeline', 'device_mel', '--json', str(out))
    fig = json.load(open(out))
    assert fig['originals']['sizes'] == ['454x340', '604x340']
    assert fig['originals']['fps'] == ['25', '30']
    assert fig['prepare']['resize_s_per_clip'] > 0
    gpu = fig['gpu']
    counted = gpu['counted']
    # backward costs about twice the forward
    assert 2.5 < counted['train_gflop'] / counted['forward_gflop'] < 3.5
    assert counted['ops_per_step'] > 100
    for batch, row in gpu['steps'].items():
        assert row['how'] == 'estimate'
        assert row['step_ms'] == max(row['flop_bound_ms'],
                                     row['host_floor_ms'])
    assert gpu['steps']['16']['flop_bound_ms'] == pytest.approx(
        8 * gpu['steps']['2']['flop_bound_ms'], rel=0.01)
