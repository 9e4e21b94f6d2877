"""Each loss against a hand computation on tiny tensors, and how the objective composes them."""
import pytest
import torch

from engine.losses import (ContentLoss, LayerApply, Scale, StyleLoss, SumLoss, TVLoss,
                           build_objective, gram)
from engine.params import StyleParams
from engine.weighting import content_blend, layer_weights, normalized

# One image, 2 channels, 2x2 pixels.
F1 = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [0.0, 1.0]]]])
F2 = torch.tensor([[[[2.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]]]])


def test_gram_is_the_channel_inner_products_divided_by_c_h_w():
    # channel 0 . channel 0 = 1+4+9+16 = 30; 0 . 1 = 0+2+0+4 = 6; 1 . 1 = 2; C*H*W = 8
    expected = torch.tensor([[[30.0, 6.0], [6.0, 2.0]]]) / 8
    assert torch.allclose(gram(F1), expected)


def test_gram_is_the_same_for_a_channels_last_tensor():
    assert torch.allclose(gram(F1.contiguous(memory_format=torch.channels_last)), gram(F1))


def test_content_loss_is_the_squared_error_relative_to_the_target():
    # (F2 - F1)^2 summed: (1+4+4+9) + (1+0+1+1) = 21; ||F1||^2 = 30 + 2 = 32
    assert ContentLoss(F1)(F2).item() == pytest.approx(21 / 32)


def test_style_loss_is_the_gram_squared_error_relative_to_the_target_gram():
    # gram(F2) = [[6, 3], [3, 3]] / 8; gram(F1) = [[30, 6], [6, 2]] / 8
    # ((6-30)^2 + 2 (3-6)^2 + (3-2)^2) / 64 = 595 / 64; ||gram(F1)||^2 = (900 + 72 + 4) / 64
    assert StyleLoss(gram(F1))(F2).item() == pytest.approx(595 / 976)


def test_several_styles_blend_their_gram_matrices_with_their_weights():
    loss = StyleLoss.blended([F1, F2], [0.25, 0.75])
    assert torch.allclose(loss.target, 0.25 * gram(F1) + 0.75 * gram(F2))
    assert StyleLoss.blended([F1], [1.0])(F1).item() == 0


def test_tv_loss_is_the_mean_squared_neighbour_difference_in_both_directions():
    img = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    # vertical: (0.5-0)^2, (0.5-1)^2 -> mean 0.25; horizontal: 1^2, 0^2 -> mean 0.5
    assert TVLoss()(img).item() == pytest.approx(0.75)


def test_losses_do_not_grow_with_the_image_size():
    big = torch.nn.functional.interpolate(F2, scale_factor=4, mode="nearest")
    big_target = torch.nn.functional.interpolate(F1, scale_factor=4, mode="nearest")
    assert StyleLoss(gram(big_target))(big).item() == pytest.approx(StyleLoss(gram(F1))(F2).item())
    assert ContentLoss(big_target)(big).item() == pytest.approx(ContentLoss(F1)(F2).item())


def test_targets_are_buffers_that_move_with_the_module():
    loss = Scale(LayerApply(StyleLoss(gram(F1)), "relu1_1"), 2.0)
    assert {name for name, _ in loss.named_buffers()} == {"loss.loss.target", "loss.loss.norm"}
    assert loss.to(torch.float64).loss.loss.target.dtype == torch.float64


def test_composed_losses_apply_to_their_layer_and_scale_by_their_weight():
    features = {"a": F1, "b": F2}
    total = SumLoss([Scale(LayerApply(ContentLoss(F1), "b"), 3.0),
                     Scale(LayerApply(ContentLoss(F2), "a"), 0.5)])
    expected = 3.0 * ContentLoss(F1)(F2) + 0.5 * ContentLoss(F2)(F1)
    assert total(features).item() == pytest.approx(expected.item())


def test_style_layer_weights_follow_the_exponent_and_sum_to_one():
    assert layer_weights(["a", "b", "c"], 0) == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert layer_weights(["a", "b"], 1) == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert layer_weights(["a", "b"], 2) == pytest.approx({"a": 1 / 5, "b": 4 / 5})


def test_the_content_blend_gives_the_first_layer_its_share_and_the_rest_to_the_others():
    assert content_blend(["relu4_2", "relu5_2"], 0.75) == {"relu4_2": 0.75, "relu5_2": 0.25}
    assert content_blend(["relu4_2"], 0.3) == {"relu4_2": 1.0}


def test_blend_weights_are_normalized_and_default_to_equal():
    assert normalized(None, 4) == [0.25] * 4
    assert normalized([1, 3], 2) == [0.25, 0.75]


def test_the_objective_weighs_each_kind_as_the_parameters_say():
    params = StyleParams(content_layers=("relu1_1", "relu2_1"), content_weight_blend=0.75,
                         style_layers=("relu1_1", "relu2_1"), style_layer_weight_exp=1,
                         content_weight=2.0, style_weight=10.0, tv_weight=4.0)
    target = {"relu1_1": F1, "relu2_1": F2}
    current = {"relu1_1": F2, "relu2_1": F1}
    image = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    terms = build_objective(params, target, [target, current])(image, current)
    content = 2.0 * (0.75 * ContentLoss(F1)(F2) + 0.25 * ContentLoss(F2)(F1))
    blended = {k: 0.5 * gram(target[k]) + 0.5 * gram(current[k]) for k in target}
    style = 10.0 * (StyleLoss(blended["relu1_1"])(F2) / 3
                    + 2 * StyleLoss(blended["relu2_1"])(F1) / 3)
    assert terms["content"].item() == pytest.approx(content.item())
    assert terms["style"].item() == pytest.approx(style.item())
    assert terms["tv"].item() == pytest.approx(4.0 * 0.75)


def test_a_layer_with_zero_weight_is_left_out_of_the_objective():
    params = StyleParams(content_weight_blend=1.0)  # all on relu4_2: relu5_2 need not be computed
    objective = build_objective(params, {"relu4_2": F1, "relu5_2": F2},
                                [{layer: F1 for layer in params.style_layers}])
    assert "relu5_2" not in objective.layers
    assert objective.layers == {"relu4_2", *params.style_layers}


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_the_style_and_content_gradients_are_autograd_s(layout):
    # The losses have hand-written backward passes (one matmul for the Gram loss): they must
    # agree with autograd through the plain formulas, in either memory layout.
    torch.manual_seed(0)
    f = torch.rand(1, 6, 5, 7, dtype=torch.float64).contiguous(memory_format=layout)
    t = torch.rand(1, 6, 5, 7, dtype=torch.float64)
    style, content = StyleLoss(gram(t)), ContentLoss(t)
    for loss, formula in [
        (style, lambda x: (gram(x) - style.target).pow(2).sum() / style.norm),
        (content, lambda x: (x - content.target).pow(2).sum() / content.norm),
    ]:
        x = f.clone(memory_format=layout).requires_grad_(True)
        (3.0 * loss(x)).backward()
        y = f.clone(memory_format=layout).requires_grad_(True)
        (3.0 * formula(y)).backward()
        assert loss(f).item() == pytest.approx(formula(f).item())
        assert torch.allclose(x.grad, y.grad)
        assert x.grad.is_contiguous(memory_format=layout)
    assert torch.autograd.gradcheck(lambda x: style(x), f.clone().requires_grad_(True))


def test_the_tv_gradient_is_autograd_s():
    torch.manual_seed(0)
    img = torch.rand(1, 3, 6, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(TVLoss(), img)
    x = img.detach().clone().requires_grad_(True)
    dy, dx = x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]
    (dy.pow(2).mean() + dx.pow(2).mean()).backward()
    TVLoss()(img).backward()
    assert torch.allclose(img.grad, x.grad)
