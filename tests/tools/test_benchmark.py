"""tools/analysis/benchmark.py runs end to end on tiny clips and reports
every part (figures themselves are not asserted: they are measurements)."""
import json

from helpers.runs import run_tool


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
